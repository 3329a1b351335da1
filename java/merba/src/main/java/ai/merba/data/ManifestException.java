package ai.merba.data;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A manifest that cannot be used, with every problem found rather than the first, so that one run shows all
 * the rows to fix. The message lists them one per line as {@code line N: message}.
 */
public final class ManifestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * One problem.
     *
     * @param line the 1-based CSV line it is on (1 is the header)
     * @param message what is wrong there
     */
    public record RowError(int line, String message) {
        public RowError {
            if (message == null || message.isEmpty()) {
                throw new IllegalArgumentException("message must not be empty");
            }
        }

        /** {@code line N: message}. */
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    private final transient List<RowError> errors;

    /**
     * @param manifest names the manifest in the first line of the message
     * @param errors at least one, in line order
     */
    public ManifestException(String manifest, List<RowError> errors) {
        super(message(manifest, errors));
        this.errors = List.copyOf(errors);
    }

    private static String message(String manifest, List<RowError> errors) {
        if (errors == null || errors.isEmpty()) {
            throw new IllegalArgumentException("errors must not be empty");
        }
        return manifest + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors") + "\n"
                + errors.stream().map(RowError::toString).collect(Collectors.joining("\n"));
    }

    /** Every problem, in line order. */
    public List<RowError> errors() {
        return errors;
    }
}
