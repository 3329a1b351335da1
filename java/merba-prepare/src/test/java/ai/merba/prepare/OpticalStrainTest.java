package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/** Optical strain on analytic flow fields, where spec §1's formula has a closed form. */
class OpticalStrainTest {
    private static FlowField field(int w, int h, DoubleBinaryOperator u, DoubleBinaryOperator v) {
        float[] us = new float[w * h];
        float[] vs = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                us[y * w + x] = (float) u.applyAsDouble(x, y);
                vs[y * w + x] = (float) v.applyAsDouble(x, y);
            }
        }
        return new FlowField(w, h, us, vs);
    }

    @Test
    void aPureTranslationHasNoStrain() {
        float[] strain = OpticalStrain.compute(field(9, 7, (x, y) -> 1.25, (x, y) -> -0.5));
        assertThat(strain).containsOnly(0f);
    }

    @Test
    void aSimpleShearHasStrainOfItsRateOverRootTwo() {
        // u = s·y, v = 0: u_x = v_y = v_x = 0, u_y = s, so ε = sqrt(½·s²) = s/√2 — at the border too, since
        // one-sided differences are exact on a linear field.
        double s = 0.3;
        float[] strain = OpticalStrain.compute(field(8, 6, (x, y) -> s * y, (x, y) -> 0));
        for (float e : strain) {
            assertThat((double) e).isCloseTo(s / Math.sqrt(2), within(1e-6));
        }
    }

    @Test
    void aStretchHasStrainOfItsNormalRates() {
        // u = a·x, v = b·y: ε = sqrt(a² + b²).
        float[] strain = OpticalStrain.compute(field(5, 5, (x, y) -> 0.3 * x, (x, y) -> -0.4 * y));
        for (float e : strain) {
            assertThat((double) e).isCloseTo(0.5, within(1e-6));
        }
    }

    @Test
    void aRigidRotationHasOnlySecondOrderStrain() {
        // Infinitesimal rotation u = −ω·y, v = ω·x: u_y + v_x = 0 and u_x = v_y = 0, so ε = 0.
        float[] strain = OpticalStrain.compute(field(6, 6, (x, y) -> -0.1 * y, (x, y) -> 0.1 * x));
        for (float e : strain) {
            assertThat((double) e).isCloseTo(0, within(1e-6));
        }
    }

    @Test
    void insideItUsesCentralDifferences() {
        // u = x²: the central difference at x is ((x+1)² − (x−1)²)/2 = 2x exactly, a one-sided one would give
        // 2x ± 1. At the left border it is one-sided: (1 − 0) = 1.
        float[] strain = OpticalStrain.compute(field(6, 3, (x, y) -> x * x, (x, y) -> 0));
        assertThat((double) strain[1 * 6 + 3]).isCloseTo(6, within(1e-6));
        assertThat((double) strain[1 * 6 + 0]).isCloseTo(1, within(1e-6));
        assertThat((double) strain[1 * 6 + 5]).isCloseTo(25 - 16, within(1e-6));
    }
}
