package ai.merba.data;

import ai.merba.data.ManifestException.RowError;
import ai.merba.model.LabelScheme;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A dataset's index (spec §6): a UTF-8 CSV whose header names at least {@code dataset, subject, sample, label,
 * file}, in any order, with extra columns (onset, apex, …) allowed and ignored. {@code label} is a class name
 * or index of the label scheme; {@code file} is a flow image or {@code .npy} relative to the manifest's folder.
 *
 * <p>Loading checks every row — including decoding every file, since a bad file found in fold 23 of a LOSO
 * run wastes hours — and reports all problems at once in one {@link ManifestException}. Immutable.
 *
 * <p>CSV dialect: comma-separated; a field may be double-quoted, with {@code ""} for a quote inside, but may
 * not span lines; whitespace around fields is trimmed; blank lines are skipped; a leading BOM is ignored.
 */
public final class Manifest {
    static final String DATASET = "dataset";
    static final String SUBJECT = "subject";
    static final String SAMPLE = "sample";
    static final String LABEL = "label";
    static final String FILE = "file";
    /** The required columns, in the order the spec writes them. */
    static final List<String> COLUMNS = List.of(DATASET, SUBJECT, SAMPLE, LABEL, FILE);

    private final Path path;
    private final LabelScheme labels;
    private final int channels;
    private final int size;
    private final List<Sample> samples;
    private final List<String> subjects;
    private final List<String> datasets;
    // Validation decodes every file anyway; FlowDataset takes these arrays instead of decoding again.
    private final List<DecodedFlow> decoded;

    private Manifest(Path path, LabelScheme labels, int channels, int size, List<Sample> samples,
            List<DecodedFlow> decoded) {
        this.decoded = List.copyOf(decoded);
        this.path = path;
        this.labels = labels;
        this.channels = channels;
        this.size = size;
        this.samples = List.copyOf(samples);
        LinkedHashSet<String> subjectSet = new LinkedHashSet<>();
        LinkedHashSet<String> datasetSet = new LinkedHashSet<>();
        for (Sample s : samples) {
            subjectSet.add(s.subject());
            datasetSet.add(s.dataset());
        }
        this.subjects = List.copyOf(subjectSet);
        this.datasets = List.copyOf(datasetSet);
    }

    /**
     * Reads and validates a manifest whose files must each hold {@code channels} channels of
     * {@code size}×{@code size} pixels.
     *
     * @throws ManifestException listing every bad row (or the missing header columns, or an empty manifest)
     * @throws IllegalArgumentException if an argument is invalid, the CSV does not exist or is not UTF-8
     * @throws UncheckedIOException if the CSV exists but cannot be read
     */
    public static Manifest load(Path csv, LabelScheme labels, int channels, int size) {
        if (csv == null) {
            throw new IllegalArgumentException("csv must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        FlowDecoder.checkShape(channels, size);
        if (!Files.isRegularFile(csv)) {
            throw new IllegalArgumentException("manifest " + csv + " does not exist or is not a file");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("manifest " + csv + " is not UTF-8 text", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + csv, e);
        }
        Path folder = csv.toAbsolutePath().getParent();
        return parse(csv, lines, labels, channels, size, folder);
    }

    private static Manifest parse(Path csv, List<String> lines, LabelScheme labels, int channels, int size,
            Path folder) {
        String name = csv.toString();
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new ManifestException(name, List.of(new RowError(1, "no header; expected columns "
                    + String.join(",", COLUMNS))));
        }
        String first = lines.get(0);
        if (first.startsWith("\uFEFF")) {
            first = first.substring(1);
        }
        List<String> header;
        try {
            header = splitCsv(first);
        } catch (IllegalArgumentException e) {
            throw new ManifestException(name, List.of(new RowError(1, "header: " + e.getMessage())));
        }
        Map<String, Integer> column = new HashMap<>();
        List<RowError> headerErrors = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            Integer before = column.putIfAbsent(header.get(i), i);
            if (before != null && COLUMNS.contains(header.get(i))) {
                headerErrors.add(new RowError(1, "column '" + header.get(i) + "' appears twice"));
            }
        }
        for (String required : COLUMNS) {
            if (!column.containsKey(required)) {
                headerErrors.add(new RowError(1, "missing required column '" + required + "'; the header has: "
                        + String.join(",", header)));
            }
        }
        if (!headerErrors.isEmpty()) {
            throw new ManifestException(name, headerErrors);
        }

        // Pass 1, cheap and in order: fields, labels, duplicates, the file's existence.
        List<Row> rows = new ArrayList<>();
        Map<List<String>, Integer> seen = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            rows.add(checkRow(i + 1, text, header.size(), column, labels, folder, seen));
        }
        if (rows.isEmpty()) {
            throw new ManifestException(name, List.of(new RowError(1, "no samples: the manifest has only a header")));
        }
        // Pass 2, in parallel: decode each file that exists, to check it and its shape.
        rows.parallelStream().filter(r -> r.fileExists).forEach(r -> {
            try {
                r.decoded = FlowDecoder.read(r.file, r.fileName, channels, size);
            } catch (IllegalArgumentException e) {
                r.decodeProblem = e.getMessage();
            }
        });

        List<RowError> errors = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        List<DecodedFlow> decoded = new ArrayList<>();
        for (Row r : rows) {
            List<String> problems = new ArrayList<>(r.problems);
            if (r.decodeProblem != null) {
                problems.add(r.decodeProblem);
            }
            if (!problems.isEmpty()) {
                errors.add(new RowError(r.line, String.join("; ", problems)));
            } else {
                samples.add(new Sample(r.line, r.dataset, r.subject, r.sample, r.label, r.file));
                decoded.add(r.decoded);
            }
        }
        if (!errors.isEmpty()) {
            throw new ManifestException(name, errors);
        }
        return new Manifest(csv, labels, channels, size, samples, decoded);
    }

    /** A row after pass 1; {@code decodeProblem} is filled in by pass 2. */
    private static final class Row {
        final int line;
        final List<String> problems = new ArrayList<>();
        String dataset;
        String subject;
        String sample;
        int label = -1;
        Path file;
        String fileName;
        boolean fileExists;
        volatile String decodeProblem;
        volatile DecodedFlow decoded;

        Row(int line) {
            this.line = line;
        }
    }

    private static Row checkRow(int line, String text, int width, Map<String, Integer> column, LabelScheme labels,
            Path folder, Map<List<String>, Integer> seen) {
        Row r = new Row(line);
        List<String> fields;
        try {
            fields = splitCsv(text);
        } catch (IllegalArgumentException e) {
            r.problems.add(e.getMessage());
            return r;
        }
        if (fields.size() != width) {
            r.problems.add("has " + fields.size() + (fields.size() == 1 ? " column" : " columns")
                    + ", the header has " + width);
            return r;
        }
        List<String> empty = new ArrayList<>();
        for (String c : COLUMNS) {
            if (fields.get(column.get(c)).isEmpty()) {
                empty.add(c);
            }
        }
        if (!empty.isEmpty()) {
            r.problems.add("empty " + String.join(", ", empty));
        }
        r.dataset = fields.get(column.get(DATASET));
        r.subject = fields.get(column.get(SUBJECT));
        r.sample = fields.get(column.get(SAMPLE));
        String label = fields.get(column.get(LABEL));
        r.fileName = fields.get(column.get(FILE));

        if (!r.dataset.isEmpty() && !r.subject.isEmpty() && !r.sample.isEmpty()) {
            Integer firstLine = seen.putIfAbsent(List.of(r.dataset, r.subject, r.sample), line);
            if (firstLine != null) {
                r.problems.add("duplicate sample (dataset, subject, sample) = (" + r.dataset + ", " + r.subject
                        + ", " + r.sample + "), first on line " + firstLine);
            }
        }
        if (!label.isEmpty()) {
            try {
                r.label = labels.resolveLabel(label);
            } catch (IllegalArgumentException e) {
                r.problems.add(e.getMessage());
            }
        }
        if (!r.fileName.isEmpty()) {
            try {
                r.file = folder.resolve(r.fileName).normalize();
            } catch (RuntimeException e) {
                r.problems.add("file '" + r.fileName + "' is not a valid path");
                return r;
            }
            if (!Files.exists(r.file)) {
                r.problems.add("file '" + r.fileName + "' does not exist");
            } else if (!Files.isRegularFile(r.file) || !Files.isReadable(r.file)) {
                r.problems.add("file '" + r.fileName + "' is not a readable file");
            } else {
                r.fileExists = true;
            }
        }
        return r;
    }

    /**
     * Splits one CSV line: fields may be double-quoted ({@code ""} is a quote inside); whitespace around a
     * field is trimmed.
     *
     * @throws IllegalArgumentException for an unterminated quote or text after a closing quote
     */
    static List<String> splitCsv(String line) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && isBlank(line.charAt(i))) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                int open = i;
                StringBuilder value = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quote in column " + (fields.size() + 1)
                                + " (opened at character " + (open + 1) + "); quoted fields may not span lines");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            value.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        value.append(c);
                    }
                }
                while (i < n && isBlank(line.charAt(i))) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IllegalArgumentException("text after the closing quote in column "
                            + (fields.size() + 1));
                }
                fields.add(value.toString());
            } else {
                int start = i;
                while (i < n && line.charAt(i) != ',') {
                    i++;
                }
                fields.add(line.substring(start, i).strip());
            }
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** The CSV it was read from, as given. */
    /** The decoded flow of sample i, shared with datasets made from this manifest. */
    DecodedFlow decoded(int i) {
        return decoded.get(i);
    }

    public Path path() {
        return path;
    }

    /** The scheme the labels were resolved in. */
    public LabelScheme labels() {
        return labels;
    }

    /** Channels every file was checked to have. */
    public int channels() {
        return channels;
    }

    /** Height = width every file was checked to have. */
    public int inputSize() {
        return size;
    }

    /** The rows, in file order. */
    public List<Sample> samples() {
        return samples;
    }

    /**
     * The distinct subject ids in order of first appearance. Ids are taken as written: the same id in two
     * datasets counts as one subject.
     */
    public List<String> subjects() {
        return subjects;
    }

    /** The distinct datasets in order of first appearance. */
    public List<String> datasets() {
        return datasets;
    }

    /** E.g. {@code Manifest[manifest.csv: 309 samples, 40 subjects, 2 datasets, megc-3]}. */
    @Override
    public String toString() {
        return "Manifest[" + path + ": " + samples.size() + " samples, " + subjects.size() + " subjects, "
                + datasets.size() + " datasets, " + labels.name() + "]";
    }
}
