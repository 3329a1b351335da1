package ai.merba.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks made on output paths before any work starts, so that hours of training never end in a failed write. */
final class OutputPaths {
    private OutputPaths() {}

    /**
     * Refuses an output whose folder does not exist or is not writable, or that is a folder itself; null passes.
     * {@code option} names the option in the message.
     */
    static void checkWritable(Path output, String option) {
        if (output == null) {
            return;
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + output + ": the folder " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException(option + " " + output + ": the folder " + parent + " is not writable");
        }
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException(option + " " + output + " is a folder, not a file");
        }
    }
}
