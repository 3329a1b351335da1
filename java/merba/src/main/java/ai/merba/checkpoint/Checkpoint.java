package ai.merba.checkpoint;

import ai.merba.checkpoint.CheckpointException.Reason;
import ai.merba.internal.JsonFields;
import ai.merba.internal.NativeCalls;
import ai.merba.internal.NativeMaps;
import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.presets.MerbaNative;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.StringStringMap;

/**
 * MERba checkpoints: one {@code .safetensors} file per model (spec §7), readable by Python's {@code safetensors}.
 * Tensors are stored under their module paths; {@code __metadata__} holds the format, its version, the model
 * configuration, the label scheme and optional training provenance.
 *
 * <pre>{@code
 * Checkpoint.save(model, Path.of("merba.safetensors"));
 * try (MerbaModel served = Checkpoint.load(Path.of("merba.safetensors"))) { ... }   // eval mode, CPU
 * }</pre>
 *
 * <p>Writing is atomic (temporary file, flushed, renamed). Loading checks the layout, the metadata and every
 * tensor's name, dtype and shape before the model is touched; each failure is a {@link CheckpointException}
 * subclass naming the file and the problem.
 */
public final class Checkpoint {
    /** The file name extension of checkpoints. */
    public static final String EXTENSION = ".safetensors";
    /** Appended to a checkpoint's base name for its resumable training state (NAME.train.safetensors). */
    public static final String TRAINING_STATE_EXTENSION = ".train.safetensors";

    private Checkpoint() {}

    /** Saves the model's parameters and buffers with its configuration and label scheme. */
    public static void save(MerbaModel model, Path path) throws CheckpointException {
        save(model, path, null);
    }

    /**
     * Saves the model with training provenance ({@code training}: any JSON object, e.g. data, epochs, metrics,
     * library version; stored as the {@code training} metadata entry). {@code training} may be null.
     */
    public static void save(MerbaModel model, Path path, JsonNode training) throws CheckpointException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(path, "path");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(CheckpointMetadata.CONFIG, model.config().toJson());
        metadata.put(CheckpointMetadata.LABELS, model.labels().toJson());
        metadata.put(CheckpointMetadata.INPUT_CENTRING, model.inputCentring().token());
        metadata.put(CheckpointMetadata.TEST_TIME_FLIP, Boolean.toString(model.testTimeFlip()));
        if (training != null) {
            if (!training.isObject()) {
                throw new IllegalArgumentException("training provenance must be a JSON object, got " + training);
            }
            metadata.put(CheckpointMetadata.TRAINING, JsonFields.write(training));
        }
        String file = path.toString();
        try (StringStringMap entries = NativeMaps.toNative(metadata)) {
            NativeCalls.runChecked(() -> model.nativeHandle().save(file, entries));
        }
    }

    /** Reads and validates a checkpoint's metadata (layout, format, version, config, labels) without its tensors. */
    public static CheckpointMetadata readMetadata(Path path) throws CheckpointException {
        Objects.requireNonNull(path, "path");
        String file = path.toString();
        Map<String, String> raw = NativeMaps.toJava(NativeCalls.callChecked(() -> MerbaNative.readCheckpointMetadata(file)));
        ModelConfig config = parse(path, raw, CheckpointMetadata.CONFIG, ModelConfig::fromJson);
        LabelScheme labels = parse(path, raw, CheckpointMetadata.LABELS, LabelScheme::fromJson);
        String training = raw.get(CheckpointMetadata.TRAINING);
        if (training != null) {
            parse(path, raw, CheckpointMetadata.TRAINING, t -> JsonFields.parseObject(t, "training"));
        }
        // Checkpoints written before inputs could be centred have no entry: their networks took flows as stored.
        InputCentring centring = raw.containsKey(CheckpointMetadata.INPUT_CENTRING)
                ? parse(path, raw, CheckpointMetadata.INPUT_CENTRING, InputCentring::fromToken) : InputCentring.NONE;
        // Likewise test-time flipping, which came later still.
        boolean flip = raw.containsKey(CheckpointMetadata.TEST_TIME_FLIP)
                && parse(path, raw, CheckpointMetadata.TEST_TIME_FLIP, Checkpoint::strictBoolean);
        if (flip && !centring.centred()) {
            throw CheckpointException.of(Reason.BAD_METADATA, path + ": __metadata__." + CheckpointMetadata.TEST_TIME_FLIP
                    + " is true but the inputs are not centred (" + CheckpointMetadata.INPUT_CENTRING + " none)", null);
        }
        return new CheckpointMetadata(Integer.parseInt(raw.get(CheckpointMetadata.FORMAT_VERSION)), config, labels,
                centring, flip, training, raw);
    }

    /** Loads a checkpoint for inference: a new model in eval mode on the CPU. The caller closes it. */
    public static MerbaModel load(Path path) throws CheckpointException {
        return load(path, "cpu", false);
    }

    /**
     * Loads a checkpoint into a new model in eval mode on {@code device} ("cpu", "cuda", "cuda:1").
     * {@code allowUnexpectedTensors} accepts files holding tensors this model does not have (e.g. written by a
     * newer version with extra buffers); missing tensors are always an error.
     */
    public static MerbaModel load(Path path, String device, boolean allowUnexpectedTensors) throws CheckpointException {
        Objects.requireNonNull(device, "device");
        CheckpointMetadata metadata = readMetadata(path);
        MerbaModel model;
        try {
            model = MerbaModel.createForLoading(metadata.config(), metadata.labels());
        } catch (IllegalArgumentException e) {
            // A config within every field's bounds whose network is still too large (parameters, activations):
            // refused natively before anything is allocated, and as what it is, bad metadata.
            throw CheckpointException.of(Reason.BAD_METADATA,
                    path + ": __metadata__." + CheckpointMetadata.CONFIG + " is invalid: " + e.getMessage(), e);
        }
        model.setInputCentring(metadata.inputCentring());
        model.setTestTimeFlip(metadata.testTimeFlip());
        try {
            String file = path.toString();
            NativeCalls.runChecked(() -> model.nativeHandle().load(file, allowUnexpectedTensors));
            model.eval();
            model.toDevice(device);
            return model;
        } catch (CheckpointException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Loads a checkpoint's weights into an existing model, which must have the checkpoint's configuration and
     * label scheme ({@link Reason#CONFIG_MISMATCH} otherwise), and takes over its input centring and test-time
     * flipping. The model's mode
     * is left as it was.
     */
    public static void loadWeights(MerbaModel model, Path path) throws CheckpointException {
        Objects.requireNonNull(model, "model");
        CheckpointMetadata metadata = readMetadata(path);
        if (!metadata.config().equals(model.config()) || !metadata.labels().equals(model.labels())) {
            throw CheckpointException.of(Reason.CONFIG_MISMATCH, path + ": saved for another model"
                    + "\n  checkpoint: " + metadata.config().toJson() + " " + metadata.labels().toJson()
                    + "\n  model:      " + model.config().toJson() + " " + model.labels().toJson(), null);
        }
        String file = path.toString();
        NativeCalls.runChecked(() -> model.nativeHandle().load(file, false));
        model.setInputCentring(metadata.inputCentring());
        model.setTestTimeFlip(metadata.testTimeFlip());
    }

    /** {@code NAME.train.safetensors} for {@code NAME.safetensors} (or {@code X.train.safetensors} for any X). */
    public static Path trainingStatePath(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        String base = name.endsWith(EXTENSION) ? name.substring(0, name.length() - EXTENSION.length()) : name;
        return checkpoint.resolveSibling(base + TRAINING_STATE_EXTENSION);
    }

    private static boolean strictBoolean(String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + value + "'");
        };
    }

    private interface Parser<T> {
        T parse(String json);
    }

    private static <T> T parse(Path path, Map<String, String> raw, String key, Parser<T> parser)
            throws CheckpointException {
        String value = raw.get(key);
        if (value == null) {
            throw CheckpointException.of(Reason.BAD_METADATA, path + ": __metadata__ has no '" + key + "'", null);
        }
        try {
            return parser.parse(value);
        } catch (IllegalArgumentException e) {
            throw CheckpointException.of(Reason.BAD_METADATA,
                    path + ": __metadata__." + key + " is invalid: " + e.getMessage(), e);
        }
    }
}
