package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * The settings of OpenCV's {@code DualTVL1OpticalFlow}, named as there; {@link #DEFAULTS} are OpenCV's own
 * defaults, which the published MER pipelines (STSTNet, HTNet, the MEGC 2019 baselines) call it with.
 *
 * @param tau time step of the numerical scheme (0 &lt; τ ≤ 0.25 for convergence)
 * @param lambda weight of the data term: smaller gives smoother flow
 * @param theta coupling of the two sub-problems
 * @param scales pyramid levels
 * @param warps warpings per level
 * @param epsilon stopping threshold
 * @param innerIterations inner iterations per warping
 * @param outerIterations outer iterations per warping
 * @param scaleStep size ratio between pyramid levels, in (0, 1)
 * @param gamma weight of the illumination-change term (0 = none)
 * @param medianFiltering median filter size applied to the flow between warps (1 = none; odd)
 */
public record TvL1Parameters(double tau, double lambda, double theta, int scales, int warps, double epsilon,
        int innerIterations, int outerIterations, double scaleStep, double gamma, int medianFiltering) {
    public static final TvL1Parameters DEFAULTS = new TvL1Parameters(0.25, 0.15, 0.3, 5, 5, 0.01, 30, 10, 0.8, 0.0, 5);

    public TvL1Parameters {
        checkArgument(tau > 0 && tau <= 0.25, "tv_l1.%s = %s must be %s", "tau", tau, "in (0, 0.25]");
        checkArgument(lambda > 0, "tv_l1.%s = %s must be %s", "lambda", lambda, "> 0");
        checkArgument(theta > 0, "tv_l1.%s = %s must be %s", "theta", theta, "> 0");
        checkArgument(scales >= 1, "tv_l1.%s = %s must be %s", "scales", scales, ">= 1");
        checkArgument(warps >= 1, "tv_l1.%s = %s must be %s", "warps", warps, ">= 1");
        checkArgument(epsilon > 0, "tv_l1.%s = %s must be %s", "epsilon", epsilon, "> 0");
        checkArgument(innerIterations >= 1, "tv_l1.%s = %s must be %s", "inner_iterations", innerIterations, ">= 1");
        checkArgument(outerIterations >= 1, "tv_l1.%s = %s must be %s", "outer_iterations", outerIterations, ">= 1");
        checkArgument(scaleStep > 0 && scaleStep < 1, "tv_l1.%s = %s must be %s", "scale_step", scaleStep, "in (0, 1)");
        checkArgument(gamma >= 0, "tv_l1.%s = %s must be %s", "gamma", gamma, ">= 0");
        checkArgument(medianFiltering >= 1 && medianFiltering % 2 == 1, "tv_l1.%s = %s must be %s", "median_filtering", medianFiltering,
                "odd and >= 1");
    }

}
