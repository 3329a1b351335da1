package ai.merba.prepare.adapter;

import ai.merba.prepare.FaceBox;
import ai.merba.prepare.RejectedRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the four databases share: one row per sample with a subject, a clip name, frame numbers and an
 * emotion; frames in {@code root/<subject folder>/…/<clip>/}. A subclass names the columns, how a subject id
 * becomes its folder name, and (SMIC) how to find the apex. Each row becomes a sample or a {@link RejectedRow}.
 */
abstract class SheetAdapter implements DatabaseAdapter {
    static final List<String> SUBJECT = List.of("Subject");
    static final List<String> FILENAME = List.of("Filename");
    static final List<String> ESTIMATED_EMOTION = List.of("Estimated Emotion", "Emotion");
    /** Optional face-box columns, all four or none, in frame pixels. */
    static final List<List<String>> BOX = List.of(List.of("Face X"), List.of("Face Y"), List.of("Face Width"),
            List.of("Face Height"));
    /** How deep under a subject's folder a clip's folder may lie (SMIC: {@code s1/micro/negative/s1_ne_01}). */
    private static final int CLIP_DEPTH = 3;

    private final String dataset;
    private final List<String> onsetColumn;
    private final List<String> apexColumn;

    /**
     * @param dataset the manifest's dataset name
     * @param onsetColumn the onset column's names
     * @param apexColumn the apex column's names; {@code null} for a database without one (SMIC)
     */
    SheetAdapter(String dataset, List<String> onsetColumn, List<String> apexColumn) {
        this.dataset = dataset;
        this.onsetColumn = onsetColumn;
        this.apexColumn = apexColumn;
    }

    @Override
    public final String dataset() {
        return dataset;
    }

    final List<String> onsetColumn() {
        return onsetColumn;
    }

    final List<String> apexColumn() {
        return apexColumn;
    }

    /** The required columns, each with the names it may go by. */
    List<List<String>> requiredColumns() {
        return List.of(SUBJECT, FILENAME, onsetColumn(), apexColumn(), emotionColumn());
    }

    /** The names the subject's folder may have, most likely first (e.g. {@code 1} → {@code sub01}). */
    abstract List<String> subjectFolders(String subject);

    /** The emotion column's names. */
    List<String> emotionColumn() {
        return ESTIMATED_EMOTION;
    }

    /** The sample id within the subject; the clip name unless a database has several samples per clip. */
    String sampleId(String clip, long onset) {
        return clip;
    }

    /**
     * The onset and apex frame numbers of a row: by default its onset and apex columns.
     *
     * @throws IllegalArgumentException saying why the row has none
     */
    long[] onsetAndApex(AnnotationSheet.Row row, FrameFolder frames) {
        return new long[] {frameNumber(row, onsetColumn()), frameNumber(row, apexColumn())};
    }

    @Override
    public AdapterResult read(Path sheet, Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("database folder " + root + " does not exist or is not a folder");
        }
        AnnotationSheet table = AnnotationSheet.read(sheet, requiredColumns());
        List<AnnotatedSample> samples = new ArrayList<>();
        List<RejectedRow> rejected = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Map<Path, Map<String, List<Path>>> clipFolders = new HashMap<>();
        for (AnnotationSheet.Row row : table.rows()) {
            String subject = row.get(SUBJECT).orElse("");
            String clip = row.get(FILENAME).orElse("");
            try {
                if (subject.isEmpty() || clip.isEmpty()) {
                    throw new IllegalArgumentException("empty " + (subject.isEmpty() ? "Subject" : "Filename"));
                }
                String emotion = row.get(emotionColumn())
                        .orElseThrow(() -> new IllegalArgumentException("empty emotion"));
                Path subjectDir = subjectDir(root, subject);
                Path clipDir = clipDir(subjectDir, clip, clipFolders);
                FrameFolder frames = FrameFolder.index(clipDir);
                if (frames.isEmpty() && Files.isDirectory(clipDir.resolve("color"))) {
                    // CAS(ME)³ keeps colour and depth apart: <clip>/color/<n>.jpg.
                    frames = FrameFolder.index(clipDir.resolve("color"));
                }
                long[] oa = onsetAndApex(row, frames);
                if (oa[1] < oa[0]) {
                    throw new IllegalArgumentException("apex frame " + oa[1] + " is before onset frame " + oa[0]);
                }
                String sample = sampleId(clip, oa[0]);
                String folderName = subjectDir.getFileName().toString();
                Integer first = seen.putIfAbsent(folderName + "/" + sample, row.line());
                if (first != null) {
                    throw new IllegalArgumentException("duplicate sample " + folderName + "/" + sample
                            + ", first on line " + first);
                }
                samples.add(new AnnotatedSample(row.line(), dataset(), folderName, sample, emotion, oa[0], oa[1],
                        frames.frame(oa[0]), frames.frame(oa[1]), box(row)));
            } catch (IllegalArgumentException e) {
                rejected.add(new RejectedRow(row.line(), subject, clip, e.getMessage()));
            }
        }
        return new AdapterResult(samples, rejected);
    }

    private Path subjectDir(Path root, String subject) {
        List<String> names = subjectFolders(subject);
        for (String name : names) {
            Path dir;
            try {
                dir = root.resolve(name);
            } catch (RuntimeException e) {
                continue;
            }
            if (Files.isDirectory(dir)) {
                return dir;
            }
        }
        throw new IllegalArgumentException("no folder for subject '" + subject + "' in " + root + " (looked for "
                + String.join(", ", names) + ")");
    }

    /** The folder named {@code clip} under the subject's folder, at most {@link #CLIP_DEPTH} levels down. */
    private static Path clipDir(Path subjectDir, String clip, Map<Path, Map<String, List<Path>>> cache) {
        Map<String, List<Path>> byName = cache.computeIfAbsent(subjectDir, dir -> {
            try (Stream<Path> walk = Files.walk(dir, CLIP_DEPTH)) {
                return walk.filter(p -> !p.equals(dir) && Files.isDirectory(p)).sorted()
                        .collect(Collectors.groupingBy(p -> p.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        });
        List<Path> found = byName.getOrDefault(clip, List.of());
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no folder '" + clip + "' under " + subjectDir);
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("folder '" + clip + "' is ambiguous under " + subjectDir + ": "
                    + found.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        return found.get(0);
    }

    /** The face box columns, if the sheet has them. */
    private static FaceBox box(AnnotationSheet.Row row) {
        List<Optional<String>> cells = BOX.stream().map(row::get).toList();
        if (cells.stream().allMatch(Optional::isEmpty)) {
            return null;
        }
        if (cells.stream().anyMatch(Optional::isEmpty)) {
            throw new IllegalArgumentException("face box needs all of Face X, Face Y, Face Width, Face Height");
        }
        int[] v = new int[4];
        for (int i = 0; i < 4; i++) {
            v[i] = (int) number(cells.get(i).get(), BOX.get(i).get(0));
        }
        return new FaceBox(v[0], v[1], v[2], v[3]);
    }

    /** A frame number or pixel value: a whole non-negative number (spreadsheets may write {@code 46.0}). */
    static long number(String text, String what) {
        try {
            double d = Double.parseDouble(text);
            if (d >= 0 && d == Math.rint(d) && d < 1e15) {
                return (long) d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(what + " '" + text + "' is not a frame number");
    }

    /** The frame number in the first of {@code names}. */
    static long frameNumber(AnnotationSheet.Row row, List<String> names) {
        String text = row.get(names).orElseThrow(() -> new IllegalArgumentException("empty " + names.get(0)));
        return number(text, names.get(0));
    }

    /**
     * The folder names of a numbered subject: its number in each of {@code formats} (e.g. {@code sub%02d}), then
     * the id as written.
     */
    static List<String> numberedFolders(String subject, String... formats) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        int n = digits(subject);
        if (n >= 0) {
            for (String f : formats) {
                names.add(String.format(f, n));
            }
        }
        names.add(subject);
        return List.copyOf(names);
    }

    /** Digits of a subject id ({@code sub01} → 1), or -1 if it has none. */
    static int digits(String subject) {
        String d = subject.replaceAll("\\D", "");
        if (d.isEmpty() || d.length() > 9) {
            return -1;
        }
        return Integer.parseInt(d);
    }
}
