package ai.merba.prepare.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.FormulaEvaluator;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

/**
 * The worksheets of an {@code .xlsx} workbook as tables of text, read with Apache POI. Cells become the text the
 * spreadsheet shows ({@link DataFormatter}; formulas evaluated), so a subject formatted as {@code 006} reads
 * {@code 006}, and a frame number {@code 46}, not {@code 46.0}.
 */
final class XlsxTables {
    private XlsxTables() {}

    /** Every worksheet in order; each record is one spreadsheet row, with its 1-based row number. */
    static List<AnnotationSheet.Table> read(Path file) {
        try (InputStream in = Files.newInputStream(file); Workbook book = new XSSFWorkbook(in)) {
            DataFormatter formatter = new DataFormatter();
            FormulaEvaluator evaluator = book.getCreationHelper().createFormulaEvaluator();
            List<AnnotationSheet.Table> tables = new ArrayList<>();
            for (Sheet sheet : book) {
                List<List<String>> records = new ArrayList<>();
                List<Integer> lines = new ArrayList<>();
                for (org.apache.poi.ss.usermodel.Row row : sheet) {
                    List<String> cells = new ArrayList<>();
                    for (int c = 0; c < Math.max(0, row.getLastCellNum()); c++) {
                        Cell cell = row.getCell(c);
                        cells.add(cell == null ? "" : formatter.formatCellValue(cell, evaluator));
                    }
                    records.add(cells);
                    lines.add(row.getRowNum() + 1);
                }
                tables.add(new AnnotationSheet.Table(records, lines));
            }
            return tables;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the workbook " + file, e);
        } catch (RuntimeException e) {
            // POI signals a file that is not a valid workbook with several unchecked exception types.
            throw new IllegalArgumentException(file + ": not a readable .xlsx workbook: " + e.getMessage(), e);
        }
    }
}
