package ai.merba.eval;

/**
 * One test prediction of a LOSO run, with enough of its manifest row to group it by dataset, subject and fold
 * and to trace it back to its sample.
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
        if (fold < 0) {
            throw new IllegalArgumentException("fold = " + fold + " must be >= 0");
        }
        requireText(dataset, "dataset");
        requireText(subject, "subject");
        requireText(sample, "sample");
        if (truth < 0) {
            throw new IllegalArgumentException("truth = " + truth + " must be >= 0");
        }
        if (predicted < 0) {
            throw new IllegalArgumentException("predicted = " + predicted + " must be >= 0");
        }
    }

    /** Whether the prediction is right. */
    public boolean correct() {
        return truth == predicted;
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
    }
}
