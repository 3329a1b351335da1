package ai.merba.prepare.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The frames of one sample's folder, by frame number: the last run of digits in the file name
 * ({@code img46.jpg}, {@code reg_img46.jpg}, {@code 006_05562.jpg}, {@code image046.bmp} and {@code 46.jpg} are
 * all frame 46), which is how every database names its frames. Only image files count.
 */
public final class FrameFolder {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp",
            "pgm", "ppm");
    private static final Pattern LAST_NUMBER = Pattern.compile("(\\d+)(?!.*\\d)");

    private final Path folder;
    private final TreeMap<Long, Path> frames;
    private final Map<Long, List<String>> clashes;

    private FrameFolder(Path folder, TreeMap<Long, Path> frames, Map<Long, List<String>> clashes) {
        this.folder = folder;
        this.frames = frames;
        this.clashes = clashes;
    }

    /** Indexes the image files directly inside {@code folder}. */
    public static FrameFolder index(Path folder) {
        TreeMap<Long, Path> frames = new TreeMap<>();
        Map<Long, List<String>> clashes = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String name = f.getFileName().toString();
                int dot = name.lastIndexOf('.');
                if (dot < 0 || !IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))
                        || !Files.isRegularFile(f)) {
                    continue;
                }
                Matcher m = LAST_NUMBER.matcher(name.substring(0, dot));
                if (!m.find() || m.group(1).length() > 18) {
                    continue;
                }
                long number = Long.parseLong(m.group(1));
                Path before = frames.putIfAbsent(number, f);
                if (before != null) {
                    clashes.computeIfAbsent(number, k -> new ArrayList<>(List.of(before.getFileName().toString())))
                            .add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        return new FrameFolder(folder, frames, clashes);
    }

    public Path folder() {
        return folder;
    }

    /** Whether the folder holds any numbered image. */
    public boolean isEmpty() {
        return frames.isEmpty();
    }

    /**
     * The file of frame {@code number}.
     *
     * @throws IllegalArgumentException if there is none, or several files claim the number
     */
    public Path frame(long number) {
        List<String> clash = clashes.get(number);
        if (clash != null) {
            throw new IllegalArgumentException("frame " + number + " is ambiguous in " + folder + ": "
                    + String.join(", ", clash));
        }
        Path f = frames.get(number);
        if (f == null) {
            throw new IllegalArgumentException("frame " + number + " not found in " + folder
                    + (frames.isEmpty() ? " (no numbered images)"
                            : " (frames " + frames.firstKey() + "–" + frames.lastKey() + ")"));
        }
        return f;
    }

    /** The first and last frame numbers, if any. */
    public Optional<long[]> range() {
        return frames.isEmpty() ? Optional.empty() : Optional.of(new long[] {frames.firstKey(), frames.lastKey()});
    }

    /** The frame numbers present in [from, to], ascending. */
    public List<Long> numbersBetween(long from, long to) {
        return List.copyOf(frames.subMap(from, true, to, true).keySet());
    }
}
