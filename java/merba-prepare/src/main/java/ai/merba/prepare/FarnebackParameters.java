package ai.merba.prepare;

/**
 * The settings of OpenCV's {@code calcOpticalFlowFarneback}, named as there; {@link #DEFAULTS} are the values of
 * OpenCV's own samples (pyramid ½, 3 levels, window 15, 3 iterations, poly_n 5, σ 1.2).
 *
 * @param pyrScale size ratio between pyramid levels, in (0, 1)
 * @param levels pyramid levels (1 = the image only)
 * @param windowSize averaging window; larger is more robust to noise and blurs motion edges
 * @param iterations iterations per level
 * @param polyN neighbourhood of the polynomial expansion: 5 or 7
 * @param polySigma σ of the Gaussian weighting of that neighbourhood (1.1 for 5, 1.5 for 7 suggested)
 * @param gaussianWindow a Gaussian rather than a box averaging window ({@code OPTFLOW_FARNEBACK_GAUSSIAN})
 */
public record FarnebackParameters(double pyrScale, int levels, int windowSize, int iterations, int polyN,
        double polySigma, boolean gaussianWindow) {
    public static final FarnebackParameters DEFAULTS = new FarnebackParameters(0.5, 3, 15, 3, 5, 1.2, false);

    public FarnebackParameters {
        require(pyrScale > 0 && pyrScale < 1, "pyr_scale", pyrScale, "in (0, 1)");
        require(levels >= 1, "levels", levels, ">= 1");
        require(windowSize >= 3, "window_size", windowSize, ">= 3");
        require(iterations >= 1, "iterations", iterations, ">= 1");
        require(polyN == 5 || polyN == 7, "poly_n", polyN, "5 or 7");
        require(polySigma > 0, "poly_sigma", polySigma, "> 0");
    }

    private static void require(boolean ok, String field, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("farneback." + field + " = " + value + " must be " + rule);
        }
    }
}
