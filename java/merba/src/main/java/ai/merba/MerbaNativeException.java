package ai.merba;

/**
 * A failure inside MERba's native code that is not the caller's bad input: its message is the C++ message
 * (without a native backtrace), and its cause is the raw exception JavaCPP raised.
 *
 * <p>Bad arguments detected natively arrive as {@link IllegalArgumentException} instead.
 */
public class MerbaNativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MerbaNativeException(String message, Throwable cause) {
        super(message, cause);
    }
}
