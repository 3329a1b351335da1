package ai.merba.checkpoint;

/**
 * The file is damaged: truncated, a header that is not the safetensors layout, byte ranges outside the data or
 * overlapping, or MERba metadata that does not parse.
 */
public final class CorruptCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    CorruptCheckpointException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
