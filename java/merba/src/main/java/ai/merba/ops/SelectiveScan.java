package ai.merba.ops;

import ai.merba.internal.NativeCalls;
import ai.merba.presets.MerbaNative;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Mamba's selective scan, MERba's custom operator, run by the fused native kernel:
 *
 * <pre>
 *   Δ = delta + delta_bias;  if softplus: Δ = softplus(Δ)
 *   h_0 = 0;  h_l = exp(Δ_l·A) ⊙ h_{l−1} + Δ_l·B_l·u_l;  y_l = Σ_n h_l·C_l
 *   out = y + D·u;  if z: out = out·SiLU(z)
 * </pre>
 *
 * <p>Shapes: u, delta (B, D, L); A (D, N); B, C (B, N, L); optional inputs in {@link SelectiveScanOptions}.
 * u, delta, B, C and z share one floating dtype (float32, float64, float16, bfloat16); A, D and delta_bias
 * are float32 or that dtype. The state is float32 (float64 for float64 inputs).
 *
 * <p>Works inside LibTorch autograd: when inputs require grad, {@code out.backward(...)} from Java runs the
 * fused backward kernel and fills the gradients of every tensor input.
 *
 * <p>Any strides are accepted: inputs the native kernels cannot read in place (u, delta or z without unit stride
 * along L, except channels-last ones where the CUDA short kernels run: L ≤ 64, N of 8 or 16) are copied first.
 *
 * <p>Errors: a bad shape, dtype or device throws {@link IllegalArgumentException} with the native
 * message, which names the argument and the expected shape; a null required tensor throws
 * {@link NullPointerException}; other native failures throw {@link ai.merba.MerbaNativeException}.
 *
 * <pre>{@code
 * try (SelectiveScanResult r = SelectiveScan.apply(u, delta, A, B, C,
 *         SelectiveScanOptions.builder().optD(d).optDeltaBias(bias).optDeltaSoftplus(true).build())) {
 *     r.out().sum().backward();
 * }
 * }</pre>
 */
public final class SelectiveScan {
    static {
        ai.merba.internal.LoggingSetup.ensure();  // before the first native library loads
    }

    private SelectiveScan() {}

    /** The scan without optional inputs; the caller owns (and closes) the returned tensor. */
    public static Tensor apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C) {
        try (SelectiveScanResult result = apply(u, delta, A, B, C, SelectiveScanOptions.defaults())) {
            return new Tensor(result.out());
        }
    }

    public static SelectiveScanResult apply(
            Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, SelectiveScanOptions options) {
        Objects.requireNonNull(u, "u");
        Objects.requireNonNull(delta, "delta");
        Objects.requireNonNull(A, "A");
        Objects.requireNonNull(B, "B");
        Objects.requireNonNull(C, "C");
        Objects.requireNonNull(options, "options");
        // Absent optional inputs cross the boundary as undefined tensors.
        try (Tensor absent = new Tensor()) {
            TensorVector outputs = NativeCalls.call(() -> MerbaNative.selectiveScan(
                    u, delta, A, B, C,
                    options.d().orElse(absent),
                    options.z().orElse(absent),
                    options.deltaBias().orElse(absent),
                    options.deltaSoftplus(),
                    options.returnLastState()));
            try (outputs) {
                // get() views the vector's storage: copy (a reference-count increment) before closing it.
                Tensor out = new Tensor(outputs.get(0));
                Tensor lastState = options.returnLastState() ? new Tensor(outputs.get(1)) : null;
                return new SelectiveScanResult(out, lastState);
            }
        }
    }
}
