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

/**
 * JavaCPP peer of {@code merba::jni::TrainHandle} ({@code native/jni/train_handle.h}): a training session
 * (optimiser state, schedule, augmentation RNG) over a {@link NativeModel}, which must stay open while this
 * object lives. Declarations only; use {@code ai.merba.train.Trainer}.
 */
@Properties(inherit = MerbaPresets.class)
@Name("merba::jni::TrainHandle")
public class NativeTrainer extends Pointer {
    static {
        MerbaNative.load();
    }

    public NativeTrainer(NativeModel model, String optionsJson, long seed) {
        super((Pointer) null);
        allocate(model, optionsJson, seed);
    }

    /** Data-parallel over {@code group}: this process's share of each global batch, gradients summed over ranks. */
    public NativeTrainer(NativeModel model, String optionsJson, long seed, NativeProcessGroup group) {
        super((Pointer) null);
        allocate(model, optionsJson, seed, group);
    }

    private native void allocate(@ByRef NativeModel model, @StdString String optionsJson, @Cast("long long") long seed);

    private native void allocate(@ByRef NativeModel model, @StdString String optionsJson, @Cast("long long") long seed,
            @ByRef NativeProcessGroup group);

    /**
     * One optimiser step; {@code zeroLevels} (B, C) is each sample's zero-motion level per channel, an undefined
     * tensor for all zeros. Data-parallel, the batch is this rank's share of a global batch of {@code globalSize}
     * samples starting at {@code shareOffset}; a single process passes 0, 0.
     */
    public native @ByVal NativeStepResult step(@Const @ByRef Tensor inputs, @Const @ByRef Tensor fineTargets,
            @Const @ByRef Tensor zeroLevels, @Cast("long long") long shareOffset, @Cast("long long") long globalSize);

    /** Whether this run keeps an average of the weights (ema_decay > 0). */
    @Name("has_weight_average")
    public native @Cast("bool") boolean hasWeightAverage();

    /** Exchanges the network's weights with their average; a second call restores them. */
    @Name("swap_weight_average")
    public native void swapWeightAverage();

    @Name("steps_taken")
    public native @Cast("long long") long stepsTaken();

    /** Writes the resumable state (weights, optimiser moments, step, generator, average) with metadata entries. */
    @Name("save_state")
    public native void saveState(@StdString String path, @Const @ByRef StringStringMap metadata);

    /** Restores a saved state (weights included), all checked first; returns its metadata. */
    @Name("load_state")
    public native @ByVal StringStringMap loadState(@StdString String path);
}
