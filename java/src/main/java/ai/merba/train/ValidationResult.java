package ai.merba.train;

/** Accuracy and mean loss-free evaluation of a held-out set after an epoch. */
public record ValidationResult(int epoch, double accuracy, long samples) {}
