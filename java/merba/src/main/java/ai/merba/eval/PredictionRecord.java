package ai.merba.eval;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * One held-out prediction of a subject-wise evaluation (LOSO or cross-validation), with enough of its manifest row
 * to group it by dataset, subject and fold and to trace it back to its sample.
 *
 * @param fold the 0-based fold that tested it
 * @param dataset the sample's source dataset
 * @param subject the sample's subject id
 * @param sample the sample's id
 * @param truth the true fine class index
 * @param predicted the predicted fine class index
 */
public record PredictionRecord(int fold, String dataset, String subject, String sample, int truth, int predicted) {
    public PredictionRecord {
        checkArgument(fold >= 0, "fold = %s must be >= 0", fold);
        requireText(dataset, "dataset");
        requireText(subject, "subject");
        requireText(sample, "sample");
        checkArgument(truth >= 0, "truth = %s must be >= 0", truth);
        checkArgument(predicted >= 0, "predicted = %s must be >= 0", predicted);
    }

    /** Whether the prediction is right. */
    public boolean correct() {
        return truth == predicted;
    }

    private static void requireText(String value, String field) {
        checkArgument(value != null && !value.isEmpty(), "%s must not be empty", field);
    }
}
