package ai.merba.eval.html;

import java.util.Locale;

/** Small helpers for writing SVG and HTML text: escaping and locale-independent numbers. */
public final class Svg {
    private Svg() {}

    /** Escapes text for HTML/SVG content and attribute values. */
    public static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }

    /** A coordinate with one decimal. */
    static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A value for a tick label: as few decimals as make sense for the axis' range. */
    static String tick(double v, double range) {
        if (range >= 20) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (range >= 2) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (range >= 0.02 || v == 0) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.1e", v);
    }

    /** About {@code count} round tick values covering [lo, hi]. */
    static double[] ticks(double lo, double hi, int count) {
        double span = hi - lo;
        if (!(span > 0)) {
            return new double[] {lo};
        }
        double raw = span / count;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= raw) {
                step = m * magnitude;
                break;
            }
        }
        double first = Math.ceil(lo / step - 1e-9) * step;
        int n = (int) Math.floor((hi - first) / step + 1e-9) + 1;
        double[] t = new double[Math.max(n, 1)];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i * step;
        }
        return t;
    }
}
