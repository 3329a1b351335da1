package ai.merba.prepare.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.prepare.RejectedRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four adapters on sheets in their databases' real column layouts ({@code test-data/prepare/}), with frame
 * folders laid out as each database ships them. Frame files are empty: adapters go by names only.
 */
class AdapterTest {
    private static final Path SHEETS = Path.of(System.getProperty("merba.testData", "../../test-data"), "prepare");

    @TempDir
    Path root;

    private void frames(String folder, String format, int from, int to) throws IOException {
        Path dir = Files.createDirectories(root.resolve(folder));
        for (int n = from; n <= to; n++) {
            Files.createFile(dir.resolve(String.format(format, n)));
        }
    }

    private static String reasons(AdapterResult r) {
        return r.rejected().stream().map(RejectedRow::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void casme2ReadsItsColumnsAndReportsUnusableRows() throws IOException {
        frames("sub01/EP02_01f", "img%d.jpg", 46, 86);
        frames("sub01/EP03_02", "img%d.jpg", 131, 161);
        frames("sub01/EP04_02f", "img%d.jpg", 20, 30);  // the apex, 35, is missing
        frames("sub02/EP01_11f", "img%d.jpg", 46, 71);
        frames("sub02/EP02_04f", "img%d.jpg", 31, 66);
        frames("sub04/EP12_01f", "img%d.jpg", 51, 93);
        frames("sub05/EP09_05f", "reg_img%d.jpg", 21, 44);  // the Cropped release's names
        AdapterResult r = new Casme2Adapter().read(SHEETS.resolve("casme2.csv"), root);

        assertThat(r.samples()).extracting(AnnotatedSample::subject, AnnotatedSample::sample,
                AnnotatedSample::emotion, AnnotatedSample::onset, AnnotatedSample::apex).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("sub01", "EP02_01f", "happiness", 46L, 59L),
                        org.assertj.core.groups.Tuple.tuple("sub01", "EP03_02", "others", 131L, 139L),
                        org.assertj.core.groups.Tuple.tuple("sub02", "EP01_11f", "repression", 46L, 52L),
                        org.assertj.core.groups.Tuple.tuple("sub02", "EP02_04f", "surprise", 31L, 38L),
                        org.assertj.core.groups.Tuple.tuple("sub05", "EP09_05f", "fear", 21L, 30L));
        AnnotatedSample first = r.samples().get(0);
        assertThat(first.dataset()).isEqualTo("casme2");
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.onsetFile()).isEqualTo(root.resolve("sub01/EP02_01f/img46.jpg"));
        assertThat(first.apexFile()).isEqualTo(root.resolve("sub01/EP02_01f/img59.jpg"));
        assertThat(r.samples().get(4).apexFile().getFileName().toString()).isEqualTo("reg_img30.jpg");
        assertThat(first.box()).isNull();

        assertThat(r.rejected()).extracting(RejectedRow::line).containsExactly(6, 8, 9);
        assertThat(r.rejected().get(0).reason()).contains("ApexFrame '/' is not a frame number");
        assertThat(r.rejected().get(1).reason()).contains("no folder for subject '26'").contains("sub26");
        assertThat(r.rejected().get(2).reason()).contains("frame 35 not found").contains("EP04_02f")
                .contains("frames 20–30");
    }

    @Test
    void sammSkipsThePreambleAndPadsSubjectIds() throws IOException {
        frames("006/006_1_2", "006_%05d.jpg", 5560, 5610);
        frames("007/007_3_1", "007_%05d.jpg", 1020, 1050);
        frames("007/007_6_1", "007_%05d.jpg", 400, 440);
        frames("011/011_2_3", "011_%05d.jpg", 100, 130);
        frames("011/011_2_4", "011_%05d.jpg", 200, 230);
        AdapterResult r = new SammAdapter().read(SHEETS.resolve("samm.csv"), root);

        assertThat(r.samples()).extracting(AnnotatedSample::subject).containsExactly("006", "007", "007", "011");
        assertThat(r.samples()).extracting(AnnotatedSample::emotion)
                .containsExactly("Anger", "Happiness", "Surprise", "Contempt");
        // The header is on line 4; the quoted note with a line break makes the next row start on line 8.
        assertThat(r.samples()).extracting(AnnotatedSample::line).containsExactly(5, 6, 8, 10);
        assertThat(r.samples().get(0).apexFile().getFileName().toString()).isEqualTo("006_05588.jpg");
        assertThat(r.rejected()).hasSize(1);
        assertThat(r.rejected().get(0).line()).isEqualTo(9);
        assertThat(r.rejected().get(0).reason()).isEqualTo("empty Apex Frame");
    }

    @Test
    void smicTakesTheMiddleFrameAsApex() throws IOException {
        frames("s1/micro/negative/s1_ne_01", "image%06d.bmp", 10, 20);   // 11 frames: middle 15
        frames("s1/micro/positive/s1_po_01", "image%06d.bmp", 1, 4);     // 4 frames: lower middle 2
        frames("s2/micro/surprise/s2_sur_01", "image%06d.bmp", 1, 30);   // onset 12, offset 20 given: 16
        AdapterResult r = new SmicAdapter().read(SHEETS.resolve("smic.csv"), root);

        assertThat(r.samples()).extracting(AnnotatedSample::subject, AnnotatedSample::onset, AnnotatedSample::apex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("s1", 10L, 15L),
                        org.assertj.core.groups.Tuple.tuple("s1", 1L, 2L),
                        org.assertj.core.groups.Tuple.tuple("s2", 12L, 16L));
        assertThat(r.rejected()).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(5);
            assertThat(x.reason()).contains("no folder 's2_ne_02'");
        });
    }

    @Test
    void casme3NamesSamplesByClipAndOnsetAndFindsTheColourFrames() throws IOException {
        frames("spNO.1/a/color", "%d.jpg", 95, 330);
        frames("spNO.1/a/depth", "%d.png", 95, 330);
        frames("spNO.2/b/color", "%d.jpg", 40, 100);
        AdapterResult r = new Casme3Adapter().read(SHEETS.resolve("casme3.csv"), root);

        assertThat(r.samples()).extracting(AnnotatedSample::subject, AnnotatedSample::sample, AnnotatedSample::emotion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("spNO.1", "a_100", "disgust"),
                        org.assertj.core.groups.Tuple.tuple("spNO.1", "a_300", "happy"),
                        org.assertj.core.groups.Tuple.tuple("spNO.2", "b_50", "surprise"),
                        org.assertj.core.groups.Tuple.tuple("spNO.2", "b_80", "others"));
        assertThat(r.samples().get(1).apexFile()).isEqualTo(root.resolve("spNO.1/a/color/306.jpg"));
        assertThat(r.rejected()).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(6);
            assertThat(x.reason()).isEqualTo("apex frame 88 is before onset frame 90");
        });
    }

    @Test
    void sammReadsTheWorkbookAsShipped() throws IOException {
        frames("006/006_1_2", "006_%05d.jpg", 5560, 5610);
        frames("007/007_3_1", "007_%05d.jpg", 1020, 1050);
        Path xlsx = root.resolve("SAMM_Micro_FACS_Codes_v2.xlsx");
        try (XSSFWorkbook book = new XSSFWorkbook()) {
            Sheet sheet = book.createSheet("MICRO_ONLY");
            sheet.createRow(0).createCell(0).setCellValue("SAMM Micro-FACS Codes v2");
            String[] header = {"Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame",
                    "Duration", "Type", "Action Units", "Notes", "Estimated Emotion", "Objective Classes"};
            org.apache.poi.ss.usermodel.Row h = sheet.createRow(3);
            for (int c = 0; c < header.length; c++) {
                h.createCell(c).setCellValue(header[c]);
            }
            // Numbers as numeric cells, as the workbook stores them: subject 6, frames 5562 …
            Object[][] rows = {{6, "006_1_2", 1, 5562, 5588, 5608, "Anger"}, {"007", "007_3_1", 3, 1020, 1030, 1050,
                    "Happiness"}, {7, "007_9_9", 3, 1, 2, 3, "Surprise"}};
            for (int r = 0; r < rows.length; r++) {
                org.apache.poi.ss.usermodel.Row row = sheet.createRow(4 + r);
                for (int c = 0; c < 6; c++) {
                    if (rows[r][c] instanceof Integer i) {
                        row.createCell(c).setCellValue(i);
                    } else {
                        row.createCell(c).setCellValue((String) rows[r][c]);
                    }
                }
                row.createCell(10).setCellValue((String) rows[r][6]);
            }
            try (var out = Files.newOutputStream(xlsx)) {
                book.write(out);
            }
        }
        AdapterResult r = new SammAdapter().read(xlsx, root);
        assertThat(r.samples()).extracting(AnnotatedSample::subject, AnnotatedSample::onset, AnnotatedSample::apex,
                AnnotatedSample::line).containsExactly(org.assertj.core.groups.Tuple.tuple("006", 5562L, 5588L, 5),
                        org.assertj.core.groups.Tuple.tuple("007", 1020L, 1030L, 6));
        // Spreadsheet row numbers in the report, as the user sees them in the workbook.
        assertThat(r.rejected()).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(7);
            assertThat(x.reason()).contains("no folder '007_9_9'");
        });
    }

    @Test
    void aFileNamedXlsxThatIsNoWorkbookIsRefused() throws IOException {
        Path fake = root.resolve("sheet.xlsx");
        Files.writeString(fake, "Subject,Filename\n");
        assertThatThrownBy(() -> new SammAdapter().read(fake, root)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a readable .xlsx workbook");
    }

    @Test
    void aSheetWithoutTheRequiredColumnsIsRefusedAsAWhole(@TempDir Path dir) throws IOException {
        Path sheet = dir.resolve("wrong.csv");
        Files.writeString(sheet, "Subject,Filename,Onset,Apex,emotion\n01,EP02_01f,46,59,happiness\n");
        assertThatThrownBy(() -> new Casme2Adapter().read(sheet, root))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OnsetFrame")
                .hasMessageContaining("ApexFrame");
    }

    @Test
    void ambiguousFrameNumbersAreReported() throws IOException {
        frames("sub01/EP02_01f", "img%d.jpg", 46, 60);
        Files.createFile(root.resolve("sub01/EP02_01f/img59.png"));
        Path sheet = root.resolve("sheet.csv");
        Files.writeString(sheet, String.join("\n", List.of(
                "Subject,Filename,OnsetFrame,ApexFrame,Estimated Emotion", "01,EP02_01f,46,59,happiness")));
        AdapterResult r = new Casme2Adapter().read(sheet, root);
        assertThat(r.samples()).isEmpty();
        assertThat(reasons(r)).contains("frame 59 is ambiguous").contains("img59.jpg, img59.png");
    }
}
