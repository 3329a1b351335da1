package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Optical flow of frames with a known motion field against that field. */
class OpticalFlowEstimatorTest {
    private static final int SIZE = 96;
    /** Pixels next to the border are excluded: motion brings in content the onset frame does not have. */
    private static final int BORDER = 8;

    private static FlowConfig config(FlowMethod method) {
        return FlowConfig.builder().optMethod(method).build();
    }

    @ParameterizedTest
    @EnumSource(FlowMethod.class)
    void meanFlowOfASubPixelTranslationIsTheTranslation(FlowMethod method) {
        SyntheticFrames texture = new SyntheticFrames(1);
        double dx = 1.3;
        double dy = -0.6;
        try (OpticalFlowEstimator estimator = new OpticalFlowEstimator(config(method))) {
            FlowField flow = estimator.estimate(texture.frame(SIZE, SIZE), texture.translated(SIZE, SIZE, dx, dy));
            // Tolerance 0.1 px. The frames differ only by the translation and 8-bit rounding, whose noise averages
            // out over the ~6400 pixels; what remains is each method's bias. Measured: TV-L1 −0.037 px in u and
            // −0.019 px in v (it shrinks displacements slightly: the TV term and the bilinear warps between
            // iterations), Farnebäck +0.005 px. 0.1 px leaves room for other CPUs' rounding while a wrong sign,
            // swapped axes or a wrong scale misses by ≥ 0.6 px.
            assertThat(flow.meanU(BORDER)).isCloseTo(dx, within(0.1));
            assertThat(flow.meanV(BORDER)).isCloseTo(dy, within(0.1));
        }
    }

    @ParameterizedTest
    @EnumSource(FlowMethod.class)
    void flowOfARotationFollowsTheRotationField(FlowMethod method) {
        SyntheticFrames texture = new SyntheticFrames(2);
        double theta = Math.toRadians(2);
        double c = (SIZE - 1) / 2.0;
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        // Rotation by θ about the centre; the source of pixel p is R(−θ)(p − c) + c.
        GreyFrame apex = texture.warped(SIZE, SIZE, (x, y) -> c + cos * (x - c) + sin * (y - c),
                (x, y) -> c - sin * (x - c) + cos * (y - c));
        try (OpticalFlowEstimator estimator = new OpticalFlowEstimator(config(method))) {
            FlowField flow = estimator.estimate(texture.frame(SIZE, SIZE), apex);
            double error = 0;
            double magnitude = 0;
            int n = 0;
            for (int y = BORDER; y < SIZE - BORDER; y++) {
                for (int x = BORDER; x < SIZE - BORDER; x++) {
                    double u = (cos - 1) * (x - c) - sin * (y - c);
                    double v = sin * (x - c) + (cos - 1) * (y - c);
                    int i = y * SIZE + x;
                    error += Math.hypot(flow.u()[i] - u, flow.v()[i] - v);
                    magnitude += Math.hypot(u, v);
                    n++;
                }
            }
            // The true motion averages ~0.9 px (up to 1.6 px at the corners). Measured mean end-point error:
            // 0.038 px (TV-L1), 0.049 px (Farnebäck). 0.15 px allows for the smoothing both apply where the field
            // varies, and fails for a zero field (error ~0.9), a translation or the opposite rotation (~1.8).
            assertThat(magnitude / n).isGreaterThan(0.8);
            assertThat(error / n).isLessThan(0.15);
            // The flow's mean is the rotation's, zero about the centre.
            assertThat(flow.meanU(BORDER)).isCloseTo(0, within(0.05));
            assertThat(flow.meanV(BORDER)).isCloseTo(0, within(0.05));
        }
    }

    @Test
    void strainOfAnEstimatedShearIsItsAnalyticValue() {
        SyntheticFrames texture = new SyntheticFrames(3);
        double s = 0.02;
        double c = (SIZE - 1) / 2.0;
        // Horizontal shear u = s·(y − c), v = 0: ε = |s|/√2 everywhere.
        GreyFrame apex = texture.warped(SIZE, SIZE, (x, y) -> x - s * (y - c), (x, y) -> y);
        try (OpticalFlowEstimator estimator = new OpticalFlowEstimator(config(FlowMethod.TV_L1))) {
            FlowField flow = estimator.estimate(texture.frame(SIZE, SIZE), apex);
            float[] strain = OpticalStrain.compute(flow);
            double mean = 0;
            int n = 0;
            for (int y = BORDER; y < SIZE - BORDER; y++) {
                for (int x = BORDER; x < SIZE - BORDER; x++) {
                    mean += strain[y * SIZE + x];
                    n++;
                }
            }
            // Analytic 0.01414; measured 0.01495 (+6%). Strain differentiates the flow, so the flow's small
            // per-pixel noise enters every derivative and, through the square root, only ever adds: a 30% band
            // holds that, while a translation (0), a missing ½ in the central difference (×2) or a missing ½
            // on the shear term (×1.41) fall out.
            assertThat(mean / n).isCloseTo(s / Math.sqrt(2), within(0.3 * s / Math.sqrt(2)));
        }
    }

    @Test
    void sameFramesGiveBitIdenticalFlow() {
        SyntheticFrames texture = new SyntheticFrames(4);
        GreyFrame onset = texture.frame(64, 48);
        GreyFrame apex = texture.translated(64, 48, 0.7, 0.4);
        try (OpticalFlowEstimator a = new OpticalFlowEstimator(config(FlowMethod.TV_L1));
                OpticalFlowEstimator b = new OpticalFlowEstimator(config(FlowMethod.TV_L1))) {
            FlowField first = a.estimate(onset, apex);
            FlowField again = a.estimate(onset, apex);
            FlowField other = b.estimate(onset, apex);
            assertThat(again.u()).containsExactly(first.u());
            assertThat(again.v()).containsExactly(first.v());
            assertThat(other.u()).containsExactly(first.u());
            assertThat(other.v()).containsExactly(first.v());
        }
    }

    @Test
    void framesOfDifferentSizesAreRejected() {
        SyntheticFrames texture = new SyntheticFrames(5);
        try (OpticalFlowEstimator estimator = new OpticalFlowEstimator(config(FlowMethod.TV_L1))) {
            assertThatThrownBy(() -> estimator.estimate(texture.frame(32, 32), texture.frame(32, 30)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32×30");
        }
    }
}
