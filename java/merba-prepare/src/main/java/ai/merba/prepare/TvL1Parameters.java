package ai.merba.prepare;

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
        require(tau > 0 && tau <= 0.25, "tau", tau, "in (0, 0.25]");
        require(lambda > 0, "lambda", lambda, "> 0");
        require(theta > 0, "theta", theta, "> 0");
        require(scales >= 1, "scales", scales, ">= 1");
        require(warps >= 1, "warps", warps, ">= 1");
        require(epsilon > 0, "epsilon", epsilon, "> 0");
        require(innerIterations >= 1, "inner_iterations", innerIterations, ">= 1");
        require(outerIterations >= 1, "outer_iterations", outerIterations, ">= 1");
        require(scaleStep > 0 && scaleStep < 1, "scale_step", scaleStep, "in (0, 1)");
        require(gamma >= 0, "gamma", gamma, ">= 0");
        require(medianFiltering >= 1 && medianFiltering % 2 == 1, "median_filtering", medianFiltering,
                "odd and >= 1");
    }

    private static void require(boolean ok, String field, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("tv_l1." + field + " = " + value + " must be " + rule);
        }
    }
}
