package ai.merba.train;

import ai.merba.model.Prediction;
import java.util.List;

/**
 * The model's predictions on a held-out set after an epoch (inference semantics, with the weight average when
 * the run keeps one).
 *
 * @param epoch the epoch just trained (1-based)
 * @param accuracy the share of fine predictions equal to the label
 * @param samples the held-out set's size
 * @param predictions the prediction of each held-out sample, in the set's order, with its distributions (what an
 *     ensemble averages)
 */
public record ValidationResult(int epoch, double accuracy, long samples, List<Prediction> predictions) {
    public ValidationResult {
        predictions = List.copyOf(predictions);
    }

    /** The fine class predicted for each held-out sample, in the set's order. */
    public int[] predicted() {
        return predictions.stream().mapToInt(Prediction::fineIndex).toArray();
    }
}
