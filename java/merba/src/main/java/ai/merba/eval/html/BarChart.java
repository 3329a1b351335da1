package ai.merba.eval.html;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An SVG chart of grouped horizontal bars with values in [0, 1]: one row per category (a dataset, a subject), one
 * bar per measure (Acc, UF1, UAR), each labelled with its value.
 */
public final class BarChart {
    private static final int BAR_AREA = 300, ROW_GAP = 8, BAR = 11, VALUE = 48;
    private static final double CHAR_WIDTH = 6.3;  // of the 11 px labels, generously

    private final String title;
    private final List<String> measures;
    private final List<String> colours;
    private final List<String> categories = new ArrayList<>();
    private final List<double[]> values = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public BarChart(String title, List<String> measures, List<String> colours) {
        this.title = title;
        this.measures = List.copyOf(measures);
        this.colours = List.copyOf(colours);
    }

    /** A row: {@code values} in the order of the measures (NaN draws no bar); {@code note} after the label. */
    public BarChart add(String category, String note, double... values) {
        categories.add(category);
        notes.add(note == null ? "" : note);
        this.values.add(values.clone());
        return this;
    }

    public String svg() {
        int longest = 0;
        for (int c = 0; c < categories.size(); c++) {
            longest = Math.max(longest, categories.get(c).length() + (notes.get(c).isEmpty() ? 0 : 1 + notes.get(c).length()));
        }
        int label = (int) Math.ceil(longest * CHAR_WIDTH) + 12;
        int rowHeight = BAR * measures.size() + ROW_GAP;
        int height = 40 + rowHeight * categories.size();
        int width = label + BAR_AREA + VALUE + 10;
        StringBuilder s = new StringBuilder();
        // Drawn at its own size (width and height in pixels), so that long lists keep readable text.
        s.append("<svg class=\"bars\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(Svg.escape(title)).append("\">");
        s.append("<text x=\"4\" y=\"16\" class=\"title\">").append(Svg.escape(title)).append("</text>");
        int lx = label;
        for (int m = 0; m < measures.size(); m++) {
            s.append("<rect x=\"").append(lx).append("\" y=\"22\" width=\"10\" height=\"8\" fill=\"")
                    .append(colours.get(m)).append("\"/><text class=\"legend\" x=\"").append(lx + 13)
                    .append("\" y=\"30\">").append(Svg.escape(measures.get(m))).append("</text>");
            lx += 24 + 7 * measures.get(m).length();
        }
        for (int c = 0; c < categories.size(); c++) {
            int y = 38 + c * rowHeight;
            s.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(label - 6).append("\" y=\"")
                    .append(y + BAR * measures.size() / 2 + 3).append("\">").append(Svg.escape(categories.get(c)))
                    .append(notes.get(c).isEmpty() ? "" : " " + Svg.escape(notes.get(c))).append("</text>");
            for (int m = 0; m < measures.size(); m++) {
                double v = values.get(c)[m];
                if (Double.isNaN(v)) {
                    continue;
                }
                int by = y + m * BAR;
                s.append("<rect x=\"").append(label).append("\" y=\"").append(by).append("\" width=\"")
                        .append(Svg.px(Math.max(0, Math.min(1, v)) * BAR_AREA)).append("\" height=\"").append(BAR - 2)
                        .append("\" fill=\"").append(colours.get(m)).append("\"/>");
                s.append("<text class=\"value\" x=\"").append(Svg.px(label + Math.max(0, Math.min(1, v)) * BAR_AREA + 4))
                        .append("\" y=\"").append(by + BAR - 3).append("\">")
                        .append(String.format(Locale.ROOT, "%.3f", v)).append("</text>");
            }
        }
        return s.append("</svg>").toString();
    }
}
