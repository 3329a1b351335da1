package ai.merba.checkpoint;

/**
 * The path does not exist ({@link Reason#NOT_FOUND}) or is not a regular file ({@link Reason#NOT_A_FILE}).
 */
public final class CheckpointNotFoundException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    CheckpointNotFoundException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
