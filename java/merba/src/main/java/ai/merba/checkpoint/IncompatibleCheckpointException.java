package ai.merba.checkpoint;

/**
 * A valid checkpoint that does not fit: a tensor missing, unexpected, of another shape or dtype; a label scheme
 * whose size differs from the head's; another model configuration; or training state from another run.
 */
public final class IncompatibleCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    IncompatibleCheckpointException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
