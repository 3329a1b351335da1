package ai.merba.internal;

/**
 * MERba's one precondition idiom (after Guava's {@code Preconditions}): {@code checkArgument(cond, template,
 * args)} throws {@link IllegalArgumentException} with the template's {@code %s} filled in, formatted only when
 * the check fails. Internal to MERba.
 */
public final class Preconditions {
    private Preconditions() {}

    /** Throws {@link IllegalArgumentException}{@code (format(template, args))} unless {@code condition}. */
    public static void checkArgument(boolean condition, String template, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(format(template, args));
        }
    }

    /** Throws {@link IllegalStateException}{@code (format(template, args))} unless {@code condition}. */
    public static void checkState(boolean condition, String template, Object... args) {
        if (!condition) {
            throw new IllegalStateException(format(template, args));
        }
    }

    /** {@code template} with each {@code %s} replaced by the next argument ({@code String.valueOf}); extras appended. */
    static String format(String template, Object... args) {
        StringBuilder s = new StringBuilder(template.length() + 16 * args.length);
        int from = 0, arg = 0;
        while (arg < args.length) {
            int at = template.indexOf("%s", from);
            if (at < 0) {
                break;
            }
            s.append(template, from, at).append(args[arg++]);
            from = at + 2;
        }
        s.append(template, from, template.length());
        if (arg < args.length) {
            s.append(" [");
            for (int i = arg; i < args.length; i++) {
                s.append(i == arg ? "" : ", ").append(args[i]);
            }
            s.append(']');
        }
        return s.toString();
    }
}
