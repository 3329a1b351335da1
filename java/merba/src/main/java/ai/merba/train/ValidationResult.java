package ai.merba.train;

/**
 * The model's predictions on a held-out set after an epoch (inference semantics, with the weight average when
 * the run keeps one).
 *
 * @param epoch the epoch just trained (1-based)
 * @param accuracy the share of fine predictions equal to the label
 * @param samples the held-out set's size
 * @param predicted the fine class predicted for each held-out sample, in the set's order (do not modify)
 */
public record ValidationResult(int epoch, double accuracy, long samples, int[] predicted) {}
