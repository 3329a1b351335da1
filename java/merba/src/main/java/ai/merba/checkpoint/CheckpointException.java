package ai.merba.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be written, read or loaded. The subclass says what kind of problem it is and
 * {@link #reason()} exactly which; the message names the file and the tensor or field concerned. A failed load
 * never leaves a half-loaded model: every check runs before the first tensor is copied.
 *
 * <ul>
 *   <li>{@link CheckpointNotFoundException}: no such file, or a directory;
 *   <li>{@link CorruptCheckpointException}: truncated, damaged header, bad byte ranges, bad metadata, weights that
 *       are NaN or infinite;
 *   <li>{@link UnsupportedCheckpointException}: not a MERba checkpoint, or a format version this library
 *       does not read;
 *   <li>{@link IncompatibleCheckpointException}: a valid checkpoint that does not fit the model or training run
 *       (missing or unexpected tensors, wrong shapes or dtypes, label scheme vs head size, other options);
 *   <li>this class itself with {@link Reason#IO}: the operating system refused a read or write.
 * </ul>
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What exactly went wrong. The names match the native core's error kinds. */
    public enum Reason {
        NOT_FOUND, NOT_A_FILE, IO,
        TRUNCATED, BAD_HEADER, BAD_OFFSETS, BAD_METADATA, NON_FINITE,
        NOT_MERBA, UNSUPPORTED_VERSION,
        MISSING_KEY, UNEXPECTED_KEY, WRONG_SHAPE, WRONG_DTYPE, LABELS_MISMATCH, CONFIG_MISMATCH, STATE_MISMATCH
    }

    private final Reason reason;

    protected CheckpointException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The exception class that stands for {@code reason}. */
    public static CheckpointException of(Reason reason, String message, Throwable cause) {
        return switch (reason) {
            case NOT_FOUND, NOT_A_FILE -> new CheckpointNotFoundException(reason, message, cause);
            case TRUNCATED, BAD_HEADER, BAD_OFFSETS, BAD_METADATA, NON_FINITE ->
                    new CorruptCheckpointException(reason, message, cause);
            case NOT_MERBA, UNSUPPORTED_VERSION -> new UnsupportedCheckpointException(reason, message, cause);
            case MISSING_KEY, UNEXPECTED_KEY, WRONG_SHAPE, WRONG_DTYPE, LABELS_MISMATCH, CONFIG_MISMATCH,
                    STATE_MISMATCH -> new IncompatibleCheckpointException(reason, message, cause);
            case IO -> new CheckpointException(reason, message, cause);
        };
    }
}
