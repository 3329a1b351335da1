package ai.merba.prepare.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A database's annotation sheet: the {@code .xlsx} workbook as shipped (the first worksheet with the header; cells
 * as the spreadsheet displays them), or a CSV export (RFC 4180: comma-separated, fields optionally double-quoted,
 * quoted fields may hold commas, {@code ""} and line breaks — SAMM's notes do). The header is the first row that
 * names every required column, so preamble rows above it (SAMM's title lines) are skipped. Column names match
 * ignoring case, spaces and punctuation: {@code Onset Frame}, {@code OnsetFrame} and {@code onset_frame} are one
 * column, as the databases' own releases spell them differently. Immutable.
 */
public final class AnnotationSheet {
    /**
     * One data row.
     *
     * @param line the 1-based line of the file it starts on
     */
    public record Row(int line, List<String> cells, Map<String, Integer> columns) {
        /** The trimmed cell of the first of {@code names} the header has, or empty if none or blank. */
        public Optional<String> get(Collection<String> names) {
            for (String name : names) {
                Integer i = columns.get(key(name));
                if (i != null) {
                    String v = i < cells.size() ? cells.get(i).strip() : "";
                    return v.isEmpty() ? Optional.empty() : Optional.of(v);
                }
            }
            return Optional.empty();
        }

        /** Whether every cell is blank (spreadsheet exports end with such rows). */
        boolean blank() {
            return cells.stream().allMatch(String::isBlank);
        }
    }

    private final Path path;
    private final int headerLine;
    private final List<String> header;
    private final List<Row> rows;

    private AnnotationSheet(Path path, int headerLine, List<String> header, List<Row> rows) {
        this.path = path;
        this.headerLine = headerLine;
        this.header = List.copyOf(header);
        this.rows = List.copyOf(rows);
    }

    /**
     * Reads {@code sheet} ({@code .xlsx}, else CSV); {@code required} lists, per required column, the names it may
     * have. Lines are CSV lines or spreadsheet row numbers.
     *
     * @throws IllegalArgumentException if no row names all required columns (the message lists them), the file
     *     is not UTF-8, or a quote is not closed
     */
    public static AnnotationSheet read(Path sheet, List<List<String>> required) {
        if (!Files.isRegularFile(sheet)) {
            throw new IllegalArgumentException("annotation sheet " + sheet + " does not exist or is not a file");
        }
        String name = sheet.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".xlsx") || name.endsWith(".xlsm")) {
            for (Table table : XlsxTables.read(sheet)) {
                AnnotationSheet found = fromRecords(sheet, table.records(), table.lines(), required);
                if (found != null) {
                    return found;
                }
            }
        } else {
            List<Integer> lines = new ArrayList<>();
            List<List<String>> records = parse(readUtf8(sheet), sheet, lines);
            AnnotationSheet found = fromRecords(sheet, records, lines, required);
            if (found != null) {
                return found;
            }
        }
        StringBuilder want = new StringBuilder();
        for (List<String> names : required) {
            want.append(want.length() == 0 ? "" : ", ").append(String.join(" or ", names));
        }
        throw new IllegalArgumentException(sheet + ": no header row names the required columns " + want);
    }

    /**
     * One table of a workbook or CSV file: its records and the 1-based line (or spreadsheet row) each starts on.
     */
    record Table(List<List<String>> records, List<Integer> lines) {}

    /** The sheet whose header is the first record naming every required column, or null if none does. */
    private static AnnotationSheet fromRecords(Path sheet, List<List<String>> records, List<Integer> lines,
            List<List<String>> required) {
        for (int r = 0; r < records.size(); r++) {
            Map<String, Integer> columns = columns(records.get(r));
            if (required.stream().allMatch(names -> names.stream().anyMatch(n -> columns.containsKey(key(n))))) {
                List<Row> rows = new ArrayList<>();
                for (int d = r + 1; d < records.size(); d++) {
                    Row row = new Row(lines.get(d), records.get(d), columns);
                    if (!row.blank()) {
                        rows.add(row);
                    }
                }
                return new AnnotationSheet(sheet, lines.get(r), records.get(r), rows);
            }
        }
        return null;
    }

    private static String readUtf8(Path csv) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(csv)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("annotation sheet " + csv + " is not UTF-8 text; export it from the"
                    + " spreadsheet as 'CSV UTF-8' or give the .xlsx file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static Map<String, Integer> columns(List<String> header) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            m.putIfAbsent(key(header.get(i)), i);
        }
        m.remove("");
        return m;
    }

    /** A column name reduced to lower-case letters and digits. */
    static String key(String name) {
        StringBuilder s = new StringBuilder();
        for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static List<List<String>> parse(String text, Path csv, List<Integer> starts) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1;
        int recordLine = 1;
        boolean quoted = false;
        int quoteLine = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i++);
            if (quoted) {
                if (c == '"') {
                    if (i < n && text.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank()) {
                field.setLength(0);
                quoted = true;
                quoteLine = line;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i < n && text.charAt(i) == '\n') {
                    i++;
                }
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                starts.add(recordLine);
                record = new ArrayList<>();
                line++;
                recordLine = line;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(csv + ": the quote opened on line " + quoteLine + " is never closed");
        }
        if (field.length() > 0 || !record.isEmpty()) {
            record.add(field.toString());
            records.add(record);
            starts.add(recordLine);
        }
        return records;
    }

    public Path path() {
        return path;
    }

    /** The line of the header row (after any preamble). */
    public int headerLine() {
        return headerLine;
    }

    public List<String> header() {
        return header;
    }

    /** The non-blank rows below the header, in file order. */
    public List<Row> rows() {
        return rows;
    }
}
