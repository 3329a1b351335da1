package ai.merba.ops;

import static ai.merba.ops.Tensors.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator through JNI against a Java-side plain-ops reference, forward and every gradient. */
class SelectiveScanTest {

    /** Leaf inputs of one case; optional ones are null when the case does not use them. */
    private record Inputs(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor bias) {
        static Inputs random(long batch, long dim, long len, long dstate, boolean withD, boolean withZ,
                boolean withBias, long seed) {
            torch.manual_seed(seed);
            return new Inputs(
                    leaf(torch.randn(batch, dim, len)),
                    leaf(torch.rand(batch, dim, len).mul(SelectiveScanReference.scalar(0.2))),
                    leaf(torch.exp(torch.randn(dim, dstate).mul(SelectiveScanReference.scalar(0.5))).neg()),
                    leaf(torch.randn(batch, dstate, len)),
                    leaf(torch.randn(batch, dstate, len)),
                    withD ? leaf(torch.randn(dim)) : null,
                    withZ ? leaf(torch.randn(batch, dim, len)) : null,
                    withBias ? leaf(torch.rand(dim).mul(SelectiveScanReference.scalar(0.1))) : null);
        }

        private static Tensor leaf(Tensor t) {
            return t.detach().requires_grad_(true);
        }

        List<Tensor> all() {
            List<Tensor> list = new ArrayList<>(List.of(u, delta, A, B, C));
            list.add(D);
            list.add(z);
            list.add(bias);
            return list;
        }

        SelectiveScanOptions options(boolean softplus) {
            return SelectiveScanOptions.builder().optD(D).optZ(z).optDeltaBias(bias).optDeltaSoftplus(softplus).build();
        }

        void zeroGrads() {
            for (Tensor t : all()) {
                if (t != null && t.grad().defined()) {
                    t.grad().zero_();
                }
            }
        }

        List<Tensor> grads() {
            List<Tensor> grads = new ArrayList<>();
            for (Tensor t : all()) {
                grads.add(t == null ? null : t.grad().clone());
            }
            return grads;
        }
    }

    private static final String[] GRAD_NAMES = {"du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias"};

    @ParameterizedTest(name = "L={0} N={1} D={2} z={3} bias={4} softplus={5}")
    @CsvSource({
        "1, 8, false, false, false, false",
        "7, 8, true, false, false, false",
        "49, 8, false, true, false, false",
        "49, 16, false, false, true, true",
        "49, 8, true, true, true, true",
        "196, 1, true, true, true, true",
        "196, 16, true, true, true, true",
    })
    void forwardAndGradientsMatchTheJavaReference(long len, long dstate, boolean withD, boolean withZ,
            boolean withBias, boolean softplus) {
        try (PointerScope scope = new PointerScope()) {
            Inputs in = Inputs.random(2, 3, len, dstate, withD, withZ, withBias, 42 + len + dstate);
            Tensor upstream = torch.randn(2, 3, len);

            Tensor expected = SelectiveScanReference.apply(in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.bias, softplus);
            expected.mul(upstream).sum().backward();
            List<Tensor> expectedGrads = in.grads();
            in.zeroGrads();

            try (SelectiveScanResult result = SelectiveScan.apply(in.u, in.delta, in.A, in.B, in.C, in.options(softplus))) {
                assertClose(result.out(), expected, 1e-5, "out");
                result.out().mul(upstream).sum().backward();
            }
            List<Tensor> grads = in.grads();
            for (int i = 0; i < grads.size(); i++) {
                if (grads.get(i) != null) {
                    assertClose(grads.get(i), expectedGrads.get(i), 1e-5, GRAD_NAMES[i]);
                }
            }
        }
    }

    @Test
    void backwardFromJavaRunsTheFusedKernel() {
        try (PointerScope scope = new PointerScope()) {
            Inputs in = Inputs.random(1, 2, 5, 8, false, false, false, 1);
            try (SelectiveScanResult result = SelectiveScan.apply(in.u, in.delta, in.A, in.B, in.C,
                    SelectiveScanOptions.defaults())) {
                // out is the direct output of the operator's autograd function (no LibTorch op after it), so
                // backward starts in the fused backward kernel; every input receives its gradient.
                assertFalse(result.out().grad_fn().isNull());
                result.out().sum().backward();
                for (Tensor input : List.of(in.u, in.delta, in.A, in.B, in.C)) {
                    assertTrue(input.grad().defined());
                    assertTrue(input.grad().abs().sum().item_double() > 0);
                }
            }
        }
    }

    @Test
    void lastStateIsTheFinalRecurrenceState() {
        try (PointerScope scope = new PointerScope()) {
            // L = 1: the state after the only step is Δ·u·B (closed form).
            Inputs in = Inputs.random(2, 3, 1, 8, false, false, false, 5);
            SelectiveScanOptions options = SelectiveScanOptions.builder().optReturnLastState(true).build();
            try (SelectiveScanResult result = SelectiveScan.apply(in.u, in.delta, in.A, in.B, in.C, options)) {
                Tensor expected = in.delta.mul(in.u).mul(in.B.transpose(1, 2)).detach();  // (B, D, 1)·(B, 1, N)
                assertClose(result.lastState().orElseThrow(), expected, 1e-6, "last_state");
                assertFalse(result.lastState().orElseThrow().requires_grad());
            }
            try (SelectiveScanResult result = SelectiveScan.apply(in.u, in.delta, in.A, in.B, in.C,
                    SelectiveScanOptions.defaults())) {
                assertTrue(result.lastState().isEmpty());
            }
        }
    }

    @Test
    void float64InputsStayFloat64() {
        try (PointerScope scope = new PointerScope()) {
            Tensor u = torch.randn(1, 2, 4).to(ScalarType.Double);
            Tensor out = SelectiveScan.apply(u, torch.rand(1, 2, 4).to(ScalarType.Double),
                    torch.rand(2, 8).neg().to(ScalarType.Double), torch.randn(1, 8, 4).to(ScalarType.Double),
                    torch.randn(1, 8, 4).to(ScalarType.Double));
            // JavaCPP enums returned from native code are fresh objects: compare their values.
            assertEquals(ScalarType.Double.value, out.scalar_type().value);
        }
    }

    @Test
    void badShapesRaiseIllegalArgumentWithTheNativeMessage() {
        try (PointerScope scope = new PointerScope()) {
            Tensor u = torch.randn(2, 4, 6), delta = torch.rand(2, 4, 6), A = torch.rand(4, 8).neg();
            Tensor B = torch.randn(2, 8, 6), C = torch.randn(2, 8, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SelectiveScan.apply(u, delta, A, torch.randn(2, 6, 8), C));
            assertThat(e.getMessage()).contains("B must have shape (B, N, L) = [2, 8, 6], got [2, 6, 8]");
            assertThat(e.getMessage()).doesNotContain("frame #");  // no native backtrace
            assertThat(e.getCause()).isInstanceOf(RuntimeException.class);

            e = assertThrows(IllegalArgumentException.class, () -> SelectiveScan.apply(u, delta, A, B, C,
                    SelectiveScanOptions.builder().optD(torch.ones(5)).build()));
            assertThat(e.getMessage()).contains("D must have shape (D) = [4], got [5]");

            e = assertThrows(IllegalArgumentException.class,
                    () -> SelectiveScan.apply(u.select(0, 0), delta, A, B, C));
            assertThat(e.getMessage()).contains("u must have shape (B, D, L), got [4, 6]");

            e = assertThrows(IllegalArgumentException.class,
                    () -> SelectiveScan.apply(u, delta.to(ScalarType.Double), A, B, C));
            assertThat(e.getMessage()).contains("delta must have the dtype of u (Float), got Double");

            // The JVM is intact and the operator still works after the failures.
            assertEquals(3, Tensors.shape(SelectiveScan.apply(u, delta, A, B, C)).length);
        }
    }

    @Test
    void undefinedAndNullInputsAreRefused() {
        try (PointerScope scope = new PointerScope()) {
            Tensor u = torch.randn(1, 2, 3), delta = torch.rand(1, 2, 3), A = torch.rand(2, 4).neg();
            Tensor B = torch.randn(1, 4, 3);
            NullPointerException npe = assertThrows(NullPointerException.class,
                    () -> SelectiveScan.apply(u, delta, A, B, null));
            assertThat(npe.getMessage()).isEqualTo("C");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SelectiveScan.apply(u, delta, A, B, new Tensor()));
            assertThat(e.getMessage()).contains("C is undefined");
        }
    }
}
