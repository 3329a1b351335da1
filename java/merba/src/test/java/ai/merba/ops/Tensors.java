package ai.merba.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Test helpers: tensor contents as Java arrays, and comparisons with readable failures. */
final class Tensors {
    private Tensors() {}

    static double[] toDoubles(Tensor t) {
        try (Tensor d = t.detach().to(ScalarType.Double).contiguous()) {
            double[] values = new double[(int) d.numel()];
            DoublePointer p = d.data_ptr_double();
            p.get(values);
            return values;
        }
    }

    static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    /** max |actual − expected| ≤ tol · max(1, max |expected|), as the C++ tests. */
    static void assertClose(Tensor actual, Tensor expected, double tol, String what) {
        assertTrue(actual.defined(), what + ": actual is undefined");
        assertTrue(expected.defined(), what + ": expected is undefined");
        assertArrayEquals(shape(expected), shape(actual), what + ": shape");
        double[] a = toDoubles(actual);
        double[] e = toDoubles(expected);
        double maxDiff = 0;
        double scale = 1;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Double.isFinite(a[i]), what + ": non-finite value at " + i);
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        assertTrue(maxDiff <= tol * scale,
                what + ": max |diff| = " + maxDiff + " > " + tol + " * " + scale);
    }
}
