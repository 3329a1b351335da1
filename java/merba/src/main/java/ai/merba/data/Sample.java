package ai.merba.data;

import static ai.merba.internal.Preconditions.checkArgument;

import java.nio.file.Path;

/**
 * One row of a manifest (spec §6), validated: its label resolved to a fine class index and its file resolved
 * against the manifest's folder and checked to decode to the expected shape.
 *
 * @param line the 1-based line of the CSV it came from (the header is line 1), for messages that point back
 * @param dataset the source dataset, e.g. {@code smic}
 * @param subject the subject id; LOSO folds are by this string alone
 * @param sample the sample id, unique within (dataset, subject)
 * @param label the fine class index in the manifest's label scheme
 * @param file the flow file, resolved against the manifest's folder
 */
public record Sample(int line, String dataset, String subject, String sample, int label, Path file) {
    public Sample {
        checkArgument(line >= 1, "line = %s must be >= 1", line);
        requireText(dataset, "dataset");
        requireText(subject, "subject");
        requireText(sample, "sample");
        checkArgument(label >= 0, "label = %s must be >= 0", label);
        checkArgument(file != null, "file must not be null");
    }

    private static void requireText(String value, String field) {
        checkArgument(value != null && !value.isEmpty(), "%s must not be empty", field);
    }
}
