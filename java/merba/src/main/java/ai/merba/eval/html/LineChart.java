package ai.merba.eval.html;

import java.util.ArrayList;
import java.util.List;

/**
 * An SVG line chart: series of (x, y) points, each optionally with a band (a lower and an upper value per point,
 * e.g. the spread over folds), axes with round ticks, a legend. Values that are NaN are left out.
 */
public final class LineChart {
    /** One line: its name, colour, x and y values, and the band's bounds (null for none). */
    public record Series(String name, String colour, double[] x, double[] y, double[] lower, double[] upper) {
        public static Series line(String name, String colour, double[] x, double[] y) {
            return new Series(name, colour, x, y, null, null);
        }
    }

    private static final int WIDTH = 460, HEIGHT = 250, LEFT = 52, RIGHT = 12, TOP = 28, BOTTOM = 40;

    private final String title;
    private final String xLabel;
    private final List<Series> series = new ArrayList<>();
    private Double yMin, yMax;

    public LineChart(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Fixes the y range (e.g. [0, 1] for accuracies) instead of fitting it to the data. */
    public LineChart yRange(double min, double max) {
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    public String svg() {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isNaN(s.y()[i])) {
                    continue;
                }
                x0 = Math.min(x0, s.x()[i]);
                x1 = Math.max(x1, s.x()[i]);
                y0 = Math.min(y0, s.lower() == null ? s.y()[i] : s.lower()[i]);
                y1 = Math.max(y1, s.upper() == null ? s.y()[i] : s.upper()[i]);
            }
        }
        if (yMin != null) {
            y0 = yMin;
            y1 = yMax;
        }
        if (!(x1 > x0)) {
            x1 = x0 + 1;
        }
        if (!(y1 > y0)) {
            y1 = y0 + 1;
        }
        double fx0 = x0, fx1 = x1, fy0 = y0, fy1 = y1;
        double plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator sx = v -> LEFT + (v - fx0) / (fx1 - fx0) * plotW;
        java.util.function.DoubleUnaryOperator sy = v -> TOP + (1 - (v - fy0) / (fy1 - fy0)) * plotH;

        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(Svg.escape(title)).append("\">");
        s.append("<text x=\"").append(LEFT).append("\" y=\"16\" class=\"title\">").append(Svg.escape(title)).append("</text>");
        for (double t : Svg.ticks(y0, y1, 5)) {
            String y = Svg.px(sy.applyAsDouble(t));
            s.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y1=\"").append(y).append("\" y2=\"").append(y).append("\"/>");
            s.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(LEFT - 5).append("\" y=\"").append(y)
                    .append("\" dy=\"3\">").append(Svg.tick(t, y1 - y0)).append("</text>");
        }
        for (double t : Svg.ticks(x0, x1, 6)) {
            String x = Svg.px(sx.applyAsDouble(t));
            s.append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(x).append("\" y=\"")
                    .append(HEIGHT - BOTTOM + 14).append("\">").append(Svg.tick(t, x1 - x0)).append("</text>");
        }
        s.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                .append(HEIGHT - BOTTOM).append("\" y2=\"").append(HEIGHT - BOTTOM).append("\"/>");
        s.append("<text class=\"label\" text-anchor=\"middle\" x=\"").append(Svg.px(LEFT + plotW / 2)).append("\" y=\"")
                .append(HEIGHT - 6).append("\">").append(Svg.escape(xLabel)).append("</text>");
        for (Series series : series) {
            if (series.lower() != null) {
                s.append("<path class=\"band\" fill=\"").append(series.colour()).append("\" d=\"")
                        .append(bandPath(series, sx, sy)).append("\"/>");
            }
            s.append("<path class=\"line\" stroke=\"").append(series.colour()).append("\" d=\"")
                    .append(linePath(series.x(), series.y(), sx, sy)).append("\"/>");
        }
        int lx = LEFT + 4;
        for (Series series : series) {
            s.append("<rect x=\"").append(lx).append("\" y=\"").append(TOP - 4).append("\" width=\"10\" height=\"3\" fill=\"")
                    .append(series.colour()).append("\"/>");
            s.append("<text class=\"legend\" x=\"").append(lx + 13).append("\" y=\"").append(TOP).append("\">")
                    .append(Svg.escape(series.name())).append("</text>");
            lx += 22 + 6 * series.name().length();
        }
        return s.append("</svg>").toString();
    }

    private static String linePath(double[] x, double[] y, java.util.function.DoubleUnaryOperator sx,
            java.util.function.DoubleUnaryOperator sy) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(y[i])) {
                pen = false;
                continue;
            }
            d.append(pen ? 'L' : 'M').append(Svg.px(sx.applyAsDouble(x[i]))).append(',')
                    .append(Svg.px(sy.applyAsDouble(y[i])));
            pen = true;
        }
        return d.toString();
    }

    private static String bandPath(Series s, java.util.function.DoubleUnaryOperator sx,
            java.util.function.DoubleUnaryOperator sy) {
        StringBuilder d = new StringBuilder();
        int n = s.x().length;
        boolean first = true;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(s.upper()[i])) {
                continue;
            }
            d.append(first ? 'M' : 'L').append(Svg.px(sx.applyAsDouble(s.x()[i]))).append(',')
                    .append(Svg.px(sy.applyAsDouble(s.upper()[i])));
            first = false;
        }
        for (int i = n - 1; i >= 0; i--) {
            if (Double.isNaN(s.lower()[i])) {
                continue;
            }
            d.append('L').append(Svg.px(sx.applyAsDouble(s.x()[i]))).append(',')
                    .append(Svg.px(sy.applyAsDouble(s.lower()[i])));
        }
        return first ? "" : d.append('Z').toString();
    }
}
