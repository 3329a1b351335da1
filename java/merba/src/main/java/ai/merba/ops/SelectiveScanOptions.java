package ai.merba.ops;

import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * The optional inputs and switches of {@link SelectiveScan}. Immutable; made with {@link #builder()}.
 * Tensors are referenced, not copied: they must stay open until the scan (and any backward pass through it)
 * has run.
 */
public final class SelectiveScanOptions {
    private static final SelectiveScanOptions DEFAULTS = builder().build();

    private final Tensor d;
    private final Tensor z;
    private final Tensor deltaBias;
    private final boolean deltaSoftplus;
    private final boolean returnLastState;

    private SelectiveScanOptions(Builder b) {
        this.d = b.d;
        this.z = b.z;
        this.deltaBias = b.deltaBias;
        this.deltaSoftplus = b.deltaSoftplus;
        this.returnLastState = b.returnLastState;
    }

    /** No optional inputs, no softplus, no last state. */
    public static SelectiveScanOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The skip weight D, shape (D). */
    public Optional<Tensor> d() {
        return Optional.ofNullable(d);
    }

    /** The output gate z, shape (B, D, L): the output is multiplied by SiLU(z). */
    public Optional<Tensor> z() {
        return Optional.ofNullable(z);
    }

    /** Added to delta before the softplus, shape (D). */
    public Optional<Tensor> deltaBias() {
        return Optional.ofNullable(deltaBias);
    }

    public boolean deltaSoftplus() {
        return deltaSoftplus;
    }

    public boolean returnLastState() {
        return returnLastState;
    }

    /** Builder in DJL's style: every setting is optional ({@code opt…}). */
    public static final class Builder {
        private Tensor d;
        private Tensor z;
        private Tensor deltaBias;
        private boolean deltaSoftplus;
        private boolean returnLastState;

        private Builder() {}

        /** The skip connection: out += D·u. */
        public Builder optD(Tensor d) {
            this.d = d;
            return this;
        }

        /** The output gate: out ·= SiLU(z). */
        public Builder optZ(Tensor z) {
            this.z = z;
            return this;
        }

        /** A per-channel bias added to delta (before the softplus, when that is on). */
        public Builder optDeltaBias(Tensor deltaBias) {
            this.deltaBias = deltaBias;
            return this;
        }

        /** Pass delta (+ bias) through softplus (β = 1, linear above 20). Default off. */
        public Builder optDeltaSoftplus(boolean deltaSoftplus) {
            this.deltaSoftplus = deltaSoftplus;
            return this;
        }

        /** Also return the state after the last step, shape (B, D, N). Default off. */
        public Builder optReturnLastState(boolean returnLastState) {
            this.returnLastState = returnLastState;
            return this;
        }

        public SelectiveScanOptions build() {
            return new SelectiveScanOptions(this);
        }
    }
}
