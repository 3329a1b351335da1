package ai.merba.ops;

import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * The output of {@link SelectiveScan}, owning its tensors: {@link #close()} releases them (their storage is
 * freed once no other tensor shares it). Tensors taken from here and kept beyond the result's life must be
 * copied first ({@code new Tensor(result.out())}).
 */
public final class SelectiveScanResult implements AutoCloseable {
    private final Tensor out;
    private final Tensor lastState;

    SelectiveScanResult(Tensor out, Tensor lastState) {
        this.out = out;
        this.lastState = lastState;
    }

    /** (B, D, L), in u's dtype; part of the autograd graph when any input requires grad. */
    public Tensor out() {
        return out;
    }

    /** (B, D, N), float32 (float64 for float64 inputs); present when requested. Not differentiable. */
    public Optional<Tensor> lastState() {
        return Optional.ofNullable(lastState);
    }

    @Override
    public void close() {
        out.close();
        if (lastState != null) {
            lastState.close();
        }
    }
}
