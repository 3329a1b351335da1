package ai.merba.cli;

import java.io.IOException;
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

    /** Refuses an output that is one of the command's inputs: writing it would destroy what it reads. */
    static void checkNotInput(Path output, String option, Path... inputs) {
        if (output == null) {
            return;
        }
        for (Path input : inputs) {
            if (input != null && same(output, input)) {
                throw new IllegalArgumentException(option + " " + output + " is an input of this command (" + input
                        + "); writing it would overwrite it");
            }
        }
    }

    /** Refuses two outputs of one command that are the same file: the second write would replace the first. */
    static void checkApart(Path a, String optionA, Path b, String optionB) {
        if (a != null && b != null && same(a, b)) {
            throw new IllegalArgumentException(optionA + " and " + optionB + " are the same file (" + a
                    + "); the second would overwrite the first");
        }
    }

    private static boolean same(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                return false;
            }
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
