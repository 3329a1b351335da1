package ai.merba.train;

/**
 * Training stopped because a step's loss or gradient norm became NaN or infinite (a learning rate too high, or
 * inputs that are not what the model expects). The network's weights are no longer usable; checkpoints saved at
 * the end of earlier epochs are kept as they were, and nothing is saved after the failure.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int batch;

    public TrainingDivergedException(String message, int epoch, int batch) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
    }

    /** The epoch (1-based) of the step that diverged. */
    public int epoch() {
        return epoch;
    }

    /** The batch (1-based) within that epoch. */
    public int batch() {
        return batch;
    }
}
