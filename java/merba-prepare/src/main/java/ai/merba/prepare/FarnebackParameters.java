package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

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
        checkArgument(pyrScale > 0 && pyrScale < 1, "farneback.%s = %s must be %s", "pyr_scale", pyrScale, "in (0, 1)");
        checkArgument(levels >= 1, "farneback.%s = %s must be %s", "levels", levels, ">= 1");
        checkArgument(windowSize >= 3, "farneback.%s = %s must be %s", "window_size", windowSize, ">= 3");
        checkArgument(iterations >= 1, "farneback.%s = %s must be %s", "iterations", iterations, ">= 1");
        checkArgument(polyN == 5 || polyN == 7, "farneback.%s = %s must be %s", "poly_n", polyN, "5 or 7");
        checkArgument(polySigma > 0, "farneback.%s = %s must be %s", "poly_sigma", polySigma, "> 0");
    }

}
