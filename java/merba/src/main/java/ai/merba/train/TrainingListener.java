package ai.merba.train;

/**
 * Callbacks of a {@link Trainer} (DJL's TrainingListener, in small): every method has a no-op default, so a
 * listener overrides only what it needs. Listeners run on the training thread, between steps.
 */
public interface TrainingListener {
    default void onTrainingBegin(Trainer trainer, int epochs, int batchesPerEpoch) {}

    default void onEpochBegin(Trainer trainer, int epoch) {}

    default void onBatchEnd(Trainer trainer, BatchResult batch) {}

    default void onEpochEnd(Trainer trainer, EpochResult epoch) {}

    default void onValidation(Trainer trainer, ValidationResult validation) {}

    default void onTrainingEnd(Trainer trainer, TrainingResult result) {}
}
