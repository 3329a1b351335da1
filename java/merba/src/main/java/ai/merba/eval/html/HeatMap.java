package ai.merba.eval.html;

import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix as an SVG heat map: rows are the truth, columns the prediction; each cell shows its count
 * and is shaded by the share of its row (the row's recall on the diagonal). Cells carry their count in a
 * {@code data-count} attribute for tests and tools.
 */
public final class HeatMap {
    private static final int CELL = 64, LEFT = 96, TOP = 44;

    private HeatMap() {}

    public static String svg(String title, List<String> classes, long[][] counts) {
        int k = classes.size();
        int width = LEFT + CELL * k + 10, height = TOP + CELL * k + 30;
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"chart heat\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(Svg.escape(title)).append("\">");
        s.append("<text x=\"4\" y=\"16\" class=\"title\">").append(Svg.escape(title)).append("</text>");
        for (int c = 0; c < k; c++) {
            s.append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(LEFT + c * CELL + CELL / 2)
                    .append("\" y=\"").append(TOP - 6).append("\">").append(Svg.escape(classes.get(c))).append("</text>");
            s.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(LEFT - 6).append("\" y=\"")
                    .append(TOP + c * CELL + CELL / 2 + 4).append("\">").append(Svg.escape(classes.get(c))).append("</text>");
        }
        for (int t = 0; t < k; t++) {
            long row = 0;
            for (long v : counts[t]) {
                row += v;
            }
            for (int p = 0; p < k; p++) {
                double share = row == 0 ? 0 : (double) counts[t][p] / row;
                int x = LEFT + p * CELL, y = TOP + t * CELL;
                s.append("<rect class=\"cell\" data-truth=\"").append(Svg.escape(classes.get(t)))
                        .append("\" data-predicted=\"").append(Svg.escape(classes.get(p))).append("\" data-count=\"")
                        .append(counts[t][p]).append("\" x=\"").append(x).append("\" y=\"").append(y)
                        .append("\" width=\"").append(CELL - 2).append("\" height=\"").append(CELL - 2)
                        .append("\" fill=\"").append(shade(share)).append("\"/>");
                s.append("<text class=\"count\" text-anchor=\"middle\" x=\"").append(x + CELL / 2 - 1).append("\" y=\"")
                        .append(y + CELL / 2 - 2).append("\" fill=\"").append(share > 0.55 ? "#fff" : "#222").append("\">")
                        .append(counts[t][p]).append("</text>");
                s.append("<text class=\"share\" text-anchor=\"middle\" x=\"").append(x + CELL / 2 - 1).append("\" y=\"")
                        .append(y + CELL / 2 + 13).append("\" fill=\"").append(share > 0.55 ? "#fff" : "#555").append("\">")
                        .append(String.format(Locale.ROOT, "%.0f%%", 100 * share)).append("</text>");
            }
        }
        s.append("<text class=\"label\" x=\"").append(LEFT).append("\" y=\"").append(height - 8)
                .append("\">rows: truth, columns: prediction</text>");
        return s.append("</svg>").toString();
    }

    /** White to a deep blue as the share goes from 0 to 1. */
    private static String shade(double share) {
        int r = (int) Math.round(247 - share * (247 - 31));
        int g = (int) Math.round(251 - share * (251 - 81));
        int b = (int) Math.round(255 - share * (255 - 153));
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }
}
