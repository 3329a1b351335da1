package ai.merba.checkpoint;

import ai.merba.internal.JsonFields;
import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code __metadata__} of a model checkpoint (spec §7), parsed: format version, model configuration, label
 * scheme, the input centring the network was trained with, whether it predicts with test-time flipping and, when the checkpoint came from training, the
 * training provenance (data, epochs, metrics, library version). {@link #raw()} holds every entry as stored.
 */
public record CheckpointMetadata(int formatVersion, ModelConfig config, LabelScheme labels,
        InputCentring inputCentring, boolean testTimeFlip, String trainingJson, Map<String, String> raw) {
    public static final String FORMAT = "format";
    public static final String FORMAT_VERSION = "format_version";
    public static final String CONFIG = "config";
    public static final String LABELS = "labels";
    public static final String TRAINING = "training";
    /** How decoded flows become the network's input ({@link InputCentring#token()}); absent means none. */
    public static final String INPUT_CENTRING = "input_centring";
    /** Whether predictions average each sample with its mirror image ("true"/"false"); absent means false. */
    public static final String TEST_TIME_FLIP = "test_time_flip";

    public CheckpointMetadata {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(inputCentring, "inputCentring");
        raw = Map.copyOf(raw);
    }

    /** The training provenance, absent for a checkpoint saved outside training. */
    public Optional<JsonNode> training() {
        return trainingJson == null ? Optional.empty()
                : Optional.of(JsonFields.parseObject(trainingJson, "checkpoint training metadata"));
    }
}
