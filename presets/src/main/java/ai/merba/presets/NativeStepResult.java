package ai.merba.presets;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP peer of {@code merba::train::StepResult} ({@code native/train/step_result.h}): what one training step
 * reports, field by field. Returned by value from {@link NativeTrainer#step}; close it after reading.
 */
@Properties(inherit = MerbaPresets.class)
@Name("merba::train::StepResult")
public class NativeStepResult extends Pointer {
    static {
        MerbaNative.load();
    }

    public NativeStepResult() {
        super((Pointer) null);
        allocate();
    }

    private native void allocate();

    /** Mean DGCM loss of the batch, before the update. */
    @MemberGetter
    public native double loss();

    /** Fine predictions equal to the target (with mixup: the larger share's target). */
    @MemberGetter
    public native @Cast("int64_t") long correct();

    @MemberGetter
    public native @Cast("int64_t") long samples();

    @MemberGetter
    @Name("learning_rate")
    public native double learningRate();

    /** Global gradient norm before clipping. */
    @MemberGetter
    @Name("grad_norm")
    public native double gradNorm();
}
