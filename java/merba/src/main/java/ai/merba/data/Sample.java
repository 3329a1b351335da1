package ai.merba.data;

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
        if (line < 1) {
            throw new IllegalArgumentException("line = " + line + " must be >= 1");
        }
        requireText(dataset, "dataset");
        requireText(subject, "subject");
        requireText(sample, "sample");
        if (label < 0) {
            throw new IllegalArgumentException("label = " + label + " must be >= 0");
        }
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
    }
}
