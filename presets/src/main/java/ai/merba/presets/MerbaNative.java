package ai.merba.presets;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.StringStringMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * JavaCPP peer of the C++ JNI facade ({@code native/jni/merba_jni.h}). Declarations only: behaviour lives in
 * C++ below this class and in the Java API ({@code ai.merba}) above it; application code should use the latter.
 *
 * <p>Native failures arrive as {@link RuntimeException}s whose message starts with a category
 * ({@code "InvalidArgument: "}, {@code "Checkpoint[KIND]: "} or {@code "NativeError: "}) and carries the C++
 * message.
 */
@Properties(inherit = MerbaPresets.class)
@Namespace("merba::jni")
public final class MerbaNative {
    static {
        Loader.load(org.bytedeco.pytorch.global.torch.class);
        Loader.load();
    }

    private MerbaNative() {}

    /** Loads the native library; a no-op after the first call. */
    public static void load() {}

    /**
     * The selective scan. Undefined tensors ({@code new Tensor()}) stand for absent optional inputs (D, z,
     * delta_bias). Returns {out} or, with {@code returnLastState}, {out, last_state}.
     */
    @Name("selective_scan")
    public static native @ByVal TensorVector selectiveScan(
            @Const @ByRef Tensor u,
            @Const @ByRef Tensor delta,
            @Const @ByRef Tensor A,
            @Const @ByRef Tensor B,
            @Const @ByRef Tensor C,
            @Const @ByRef Tensor D,
            @Const @ByRef Tensor z,
            @Const @ByRef Tensor deltaBias,
            @Cast("bool") boolean deltaSoftplus,
            @Cast("bool") boolean returnLastState);

    /** The training schedule's learning rate at a 0-based step, for options JSON as NativeTrainer takes it. */
    @Name("learning_rate_at")
    public static native double learningRateAt(@StdString String optionsJson, @Cast("long long") long step);

    /** The validated {@code __metadata__} of a model checkpoint. */
    @Name("read_checkpoint_metadata")
    public static native @ByVal StringStringMap readCheckpointMetadata(@StdString String path);

    /** The validated {@code __metadata__} of a training-state file (NAME.train.safetensors), without loading it. */
    @Name("read_training_state_metadata")
    public static native @ByVal StringStringMap readTrainingStateMetadata(@StdString String path);

    /** Whether the native library was built with c10d's Gloo backend (multi-process training). */
    @Name("c10d_available")
    public static native @Cast("bool") boolean c10dAvailable();

    /**
     * Checks a fold plan (the JSON and the tensors it indexes) and writes it as a safetensors file; an undefined
     * {@code zeroLevels} stands for centred inputs.
     */
    @Name("write_fold_plan")
    public static native void writeFoldPlan(
            @StdString String path,
            @Const @ByRef Tensor features,
            @Const @ByRef Tensor zeroLevels,
            @Const @ByRef Tensor labels,
            @StdString String planJson);

    /**
     * Runs a fold plan file with the native fold loop, {@code workers} folds at once on {@code device}, each
     * training step replayed as a CUDA graph when {@code cudaGraphs} (a GPU only); returns the predictions and
     * pooled metrics as JSON.
     */
    @Name("run_fold_plan")
    public static native @StdString String runFoldPlan(
            @StdString String path, int workers, @StdString String device, boolean cudaGraphs);

    /** Bytes allocated through malloc in this process (native tensors and objects; not the Java heap). */
    @Name("native_heap_bytes")
    public static native @Cast("long long") long nativeHeapBytes();
}
