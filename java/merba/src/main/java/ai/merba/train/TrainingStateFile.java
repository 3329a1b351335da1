package ai.merba.train;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.checkpoint.CheckpointException.Reason;
import ai.merba.internal.NativeCalls;
import ai.merba.internal.NativeMaps;
import ai.merba.model.MerbaModel;
import ai.merba.presets.MerbaNative;
import ai.merba.presets.NativeTrainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.StringStringMap;

/**
 * The resumable state of a training run, {@code NAME.train.safetensors} beside {@code NAME.safetensors}: the native
 * session's tensors (weights, optimiser moments, step, generator, weight average) and, in its metadata, what
 * identifies the run — epochs completed, seed, model config and label scheme (the native side adds the step
 * options and thread count). Writing is atomic; restoring checks everything before it changes anything.
 */
final class TrainingStateFile {
    static final String EPOCHS_COMPLETED = "epochs_completed";
    static final String SEED = "seed";
    static final String CONFIG = "config";
    static final String LABELS = "labels";

    private TrainingStateFile() {}

    /** Writes the state of {@code session}, which trains {@code model}, to {@code statePath}. */
    static void write(NativeTrainer session, Path statePath, MerbaModel model, long seed, int epochsCompleted)
            throws CheckpointException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(EPOCHS_COMPLETED, Integer.toString(epochsCompleted));
        meta.put(SEED, Long.toString(seed));
        meta.put(CONFIG, model.config().toJson());
        meta.put(LABELS, model.labels().toJson());
        String state = statePath.toString();
        try (StringStringMap entries = NativeMaps.toNative(meta)) {
            NativeCalls.runChecked(() -> session.saveState(state, entries));
        }
    }

    /**
     * Restores into {@code session} the state saved beside {@code checkpoint} by a run of the same model, seed,
     * options and thread count, and returns the epochs that run had completed.
     *
     * @throws CheckpointException CONFIG_MISMATCH or STATE_MISMATCH for another run's state, BAD_METADATA for
     *     metadata that is missing or malformed, and the native load's reasons for the tensors
     */
    static int restore(NativeTrainer session, Path checkpoint, MerbaModel model, long seed, int epochs)
            throws CheckpointException {
        Path statePath = Checkpoint.trainingStatePath(checkpoint);
        String state = statePath.toString();
        // Java's checks first, on the metadata alone; the native load checks options, thread count and every
        // tensor before it restores anything.
        Map<String, String> meta =
                NativeMaps.toJava(NativeCalls.callChecked(() -> MerbaNative.readTrainingStateMetadata(state)));
        String config = text(meta, CONFIG, statePath);
        String labels = text(meta, LABELS, statePath);
        if (!config.equals(model.config().toJson()) || !labels.equals(model.labels().toJson())) {
            throw CheckpointException.of(Reason.CONFIG_MISMATCH, statePath + ": saved for another model\n  saved: "
                    + config + " " + labels + "\n  this:  " + model.config().toJson() + " " + model.labels().toJson(),
                    null);
        }
        long savedSeed = number(meta, SEED, statePath, Long.MIN_VALUE, Long.MAX_VALUE);
        if (savedSeed != seed) {
            throw CheckpointException.of(Reason.STATE_MISMATCH, statePath + " was trained with seed " + savedSeed
                    + ", this trainer has seed " + seed, null);
        }
        long completed = number(meta, EPOCHS_COMPLETED, statePath, 0, Integer.MAX_VALUE);
        if (completed > epochs) {
            throw CheckpointException.of(Reason.STATE_MISMATCH, statePath + " has " + completed
                    + " epochs completed, more than the " + epochs + " this run trains", null);
        }
        NativeMaps.toJava(NativeCalls.callChecked(() -> session.loadState(state)));
        return (int) completed;
    }

    private static String text(Map<String, String> meta, String key, Path statePath) throws CheckpointException {
        String value = meta.get(key);
        if (value == null) {
            throw CheckpointException.of(Reason.BAD_METADATA, statePath + ": __metadata__ has no '" + key + "'", null);
        }
        return value;
    }

    private static long number(Map<String, String> meta, String key, Path statePath, long min, long max)
            throws CheckpointException {
        String text = text(meta, key, statePath);
        try {
            long value = Long.parseLong(text);
            if (value < min || value > max) {
                throw new NumberFormatException("out of range");
            }
            return value;
        } catch (NumberFormatException e) {
            throw CheckpointException.of(Reason.BAD_METADATA, statePath + ": __metadata__." + key + " = '" + text
                    + "' is not an integer in " + min + ".." + max, e);
        }
    }
}
