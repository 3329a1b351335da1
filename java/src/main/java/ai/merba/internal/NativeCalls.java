package ai.merba.internal;

import ai.merba.MerbaNativeException;
import java.util.function.Supplier;

/**
 * Runs calls into the JNI library and maps its error contract ({@code native/jni/merba_jni.h}) onto Java
 * exceptions: {@code "InvalidArgument: "} becomes {@link IllegalArgumentException}, anything else
 * {@link MerbaNativeException}. Internal to MERba; not part of the API.
 */
public final class NativeCalls {
    static final String INVALID_ARGUMENT = "InvalidArgument: ";
    static final String NATIVE_ERROR = "NativeError: ";

    private NativeCalls() {}

    public static <T> T call(Supplier<T> nativeCall) {
        try {
            return nativeCall.get();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    static RuntimeException translate(RuntimeException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.startsWith(INVALID_ARGUMENT)) {
            IllegalArgumentException translated =
                    new IllegalArgumentException(message.substring(INVALID_ARGUMENT.length()));
            translated.initCause(e);
            return translated;
        }
        if (message.startsWith(NATIVE_ERROR)) {
            return new MerbaNativeException(message.substring(NATIVE_ERROR.length()), e);
        }
        return e; // not from our native layer (e.g. a NullPointerException): leave it as it is
    }
}
