package ai.merba.model;

import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * The logits of a forward pass, owning its tensors ({@link #close()} releases them). A head the
 * configuration does not have (no fine head when fine = coarse; no coarse head for {@code dgcm = flat}) is
 * empty. The tensors are part of the autograd graph in training.
 */
public final class ModelOutput implements AutoCloseable {
    private final Tensor coarseLogits;
    private final Tensor fineLogits;

    ModelOutput(Tensor coarseLogits, Tensor fineLogits) {
        this.coarseLogits = coarseLogits;
        this.fineLogits = fineLogits;
    }

    /** (B, K_coarse). */
    public Optional<Tensor> coarseLogits() {
        return Optional.ofNullable(coarseLogits);
    }

    /** (B, K_fine). */
    public Optional<Tensor> fineLogits() {
        return Optional.ofNullable(fineLogits);
    }

    @Override
    public void close() {
        if (coarseLogits != null) {
            coarseLogits.close();
        }
        if (fineLogits != null) {
            fineLogits.close();
        }
    }
}
