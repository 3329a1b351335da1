package ai.merba.presets;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.StringStringMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * JavaCPP peer of {@code merba::jni::ModelHandle} ({@code native/jni/model_handle.h}): one MERba network
 * owned by this object and freed by {@link #close()}. Declarations only; use {@code ai.merba.model.MerbaModel}.
 * Errors follow the contract described on {@link MerbaNative}.
 */
@Properties(inherit = MerbaPresets.class)
@Name("merba::jni::ModelHandle")
public class NativeModel extends Pointer {
    static {
        MerbaNative.load();
    }

    /** Builds and initialises a network from the JNI crossing JSON (docs/model-config.md). */
    public NativeModel(String specJson, long seed) {
        super((Pointer) null);
        allocate(specJson, seed);
    }

    /** Builds a network without spec §2's initialisation (LibTorch's defaults): for weights about to be loaded. */
    public NativeModel(String specJson) {
        super((Pointer) null);
        allocate(specJson);
    }

    private native void allocate(@StdString String specJson, @Cast("long long") long seed);

    private native void allocate(@StdString String specJson);

    /** {coarse logits, fine logits}; an absent head gives an undefined tensor. */
    public native @ByVal TensorVector forward(@Const @ByRef Tensor input);

    /** {coarse probabilities, fine probabilities, coarse index, fine index}; inference semantics; non-finite samples refused unless allowed. */
    public native @ByVal TensorVector predict(@Const @ByRef Tensor input, @Cast("bool") boolean allowNonFinite,
            @Cast("bool") boolean mirrorAverage);

    /** The DGCM training loss for fine-class targets (B) int64. */
    public native @ByVal Tensor loss(@Const @ByRef Tensor input, @Const @ByRef Tensor fineTargets);

    @Name("set_training")
    public native void setTraining(@Cast("bool") boolean training);

    @Name("is_training")
    public native @Cast("bool") boolean isTraining();

    @Name("to_device")
    public native void toDevice(@StdString String device);

    public native @StdString String device();

    /** Every parameter, then every buffer, in the order of the summary's name lists. */
    public native @ByVal TensorVector parameters();

    @Name("summary_json")
    public native @StdString String summaryJson();

    /** Writes a checkpoint (atomically) with its {@code __metadata__} entries. */
    public native void save(@StdString String path, @Const @ByRef StringStringMap metadata);

    /** Loads parameters and buffers from a checkpoint, all checked before any is changed. */
    public native void load(@StdString String path, @Cast("bool") boolean allowUnexpected);
}
