package ai.merba.internal;

import ai.merba.MerbaNativeException;
import ai.merba.checkpoint.CheckpointException;
import java.util.function.Supplier;

/**
 * Runs calls into the JNI library and maps its error contract ({@code native/jni/merba_jni.h}) onto Java
 * exceptions: {@code "InvalidArgument: "} becomes {@link IllegalArgumentException}, {@code "Checkpoint[KIND]: "}
 * the {@link CheckpointException} of that kind (from {@link #callChecked}), anything else {@link MerbaNativeException}. Internal to MERba; not part of the API.
 */
public final class NativeCalls {
    static final String INVALID_ARGUMENT = "InvalidArgument: ";
    static final String NATIVE_ERROR = "NativeError: ";
    static final String CHECKPOINT = "Checkpoint[";

    /** A native call on a checkpoint file returning nothing. */
    @FunctionalInterface
    public interface CheckpointCall {
        void run();
    }

    static {
        LoggingSetup.ensure();  // before the first native library loads
    }

    private NativeCalls() {}

    public static <T> T call(Supplier<T> nativeCall) {
        try {
            return nativeCall.get();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** A native call returning nothing. */
    public static void run(Runnable nativeCall) {
        try {
            nativeCall.run();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** Like {@link #call}, for calls that read or write checkpoint files: their failures are checked. */
    public static <T> T callChecked(Supplier<T> nativeCall) throws CheckpointException {
        try {
            return nativeCall.get();
        } catch (RuntimeException e) {
            CheckpointException checkpoint = checkpointException(e);
            if (checkpoint != null) {
                throw checkpoint;
            }
            throw translate(e);
        }
    }

    public static void runChecked(CheckpointCall nativeCall) throws CheckpointException {
        callChecked(() -> {
            nativeCall.run();
            return null;
        });
    }

    /** The checkpoint exception a "Checkpoint[KIND]: message" stands for, or null. */
    static CheckpointException checkpointException(RuntimeException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int end = message.indexOf("]: ");
        if (!message.startsWith(CHECKPOINT) || end < 0) {
            return null;
        }
        CheckpointException.Reason reason;
        try {
            reason = CheckpointException.Reason.valueOf(message.substring(CHECKPOINT.length(), end));
        } catch (IllegalArgumentException unknown) {
            reason = CheckpointException.Reason.IO;
        }
        return CheckpointException.of(reason, message.substring(end + 3), e);
    }

    static RuntimeException translate(RuntimeException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.startsWith(INVALID_ARGUMENT)) {
            IllegalArgumentException translated =
                    new IllegalArgumentException(message.substring(INVALID_ARGUMENT.length()));
            translated.initCause(e);
            return translated;
        }
        if (message.startsWith(CHECKPOINT)) {
            // Only where a caller used call() for a checkpoint operation by mistake: keep it unchecked.
            return new MerbaNativeException(message, checkpointException(e));
        }
        if (message.startsWith(NATIVE_ERROR)) {
            return new MerbaNativeException(message.substring(NATIVE_ERROR.length()), e);
        }
        return e; // not from our native layer (e.g. a NullPointerException): leave it as it is
    }
}
