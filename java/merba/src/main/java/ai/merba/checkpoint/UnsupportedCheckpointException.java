package ai.merba.checkpoint;

/**
 * A readable safetensors file that is not a MERba checkpoint of this kind, or of a format version this library
 * does not read.
 */
public final class UnsupportedCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    UnsupportedCheckpointException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
