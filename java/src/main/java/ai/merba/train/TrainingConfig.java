package ai.merba.train;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Set;

/**
 * How to train: optimiser, schedule, augmentation and batching (spec §5 defaults). Immutable; made with
 * {@link #builder()}; JSON via {@link #toJson()} / {@link #fromJson(String)} (snake_case keys, missing keys
 * take the defaults, unknown keys are errors). Invalid values fail in {@code build()} naming the field.
 */
public final class TrainingConfig {
    /** How the flow values are encoded, which decides what a horizontal mirror does to u. */
    public enum FlowEncoding {
        /** min-max normalised image flows in [0, 1] (PNG/JPEG): u → 1 − u. */
        IMAGE,
        /** signed flow values (.npy): u → −u. */
        SIGNED
    }

    /** Per-class loss weights. */
    public enum ClassWeighting {
        NONE,
        /** weight_k = N / (K · N_k) over the training set: rare classes count as much as common ones. */
        BALANCED
    }

    private static final ObjectMapper JSON = JsonFields.MAPPER;
    private static final Set<String> KEYS = Set.of("epochs", "batch_size", "learning_rate", "min_learning_rate",
            "weight_decay", "warmup_epochs", "grad_clip", "flip_probability", "max_translation", "flow_encoding",
            "sibling_weight", "class_weighting");

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double minLearningRate;
    private final double weightDecay;
    private final int warmupEpochs;
    private final double gradClip;
    private final double flipProbability;
    private final int maxTranslation;
    private final FlowEncoding flowEncoding;
    private final double siblingWeight;
    private final ClassWeighting classWeighting;

    private TrainingConfig(Builder b) {
        require(b.epochs >= 1, "epochs = " + b.epochs + " must be >= 1");
        require(b.batchSize >= 1, "batch_size = " + b.batchSize + " must be >= 1");
        require(b.learningRate > 0, "learning_rate must be > 0");
        require(b.minLearningRate >= 0 && b.minLearningRate <= b.learningRate,
                "min_learning_rate must be in [0, learning_rate]");
        require(b.weightDecay >= 0, "weight_decay must be >= 0");
        require(b.warmupEpochs >= 0 && b.warmupEpochs <= b.epochs, "warmup_epochs must be in [0, epochs]");
        require(b.gradClip >= 0, "grad_clip must be >= 0 (0 disables clipping)");
        require(b.flipProbability >= 0 && b.flipProbability <= 1, "flip_probability must be in [0, 1]");
        require(b.maxTranslation >= 0, "max_translation must be >= 0");
        require(b.siblingWeight >= 0, "sibling_weight must be >= 0");
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.minLearningRate = b.minLearningRate;
        this.weightDecay = b.weightDecay;
        this.warmupEpochs = b.warmupEpochs;
        this.gradClip = b.gradClip;
        this.flipProbability = b.flipProbability;
        this.maxTranslation = b.maxTranslation;
        this.flowEncoding = Objects.requireNonNull(b.flowEncoding, "flow_encoding");
        this.siblingWeight = b.siblingWeight;
        this.classWeighting = Objects.requireNonNull(b.classWeighting, "class_weighting");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().optEpochs(epochs).optBatchSize(batchSize).optLearningRate(learningRate)
                .optMinLearningRate(minLearningRate).optWeightDecay(weightDecay).optWarmupEpochs(warmupEpochs)
                .optGradClip(gradClip).optFlipProbability(flipProbability).optMaxTranslation(maxTranslation)
                .optFlowEncoding(flowEncoding).optSiblingWeight(siblingWeight).optClassWeighting(classWeighting);
    }

    public int epochs() { return epochs; }
    public int batchSize() { return batchSize; }
    public double learningRate() { return learningRate; }
    public double minLearningRate() { return minLearningRate; }
    public double weightDecay() { return weightDecay; }
    public int warmupEpochs() { return warmupEpochs; }
    public double gradClip() { return gradClip; }
    public double flipProbability() { return flipProbability; }
    public int maxTranslation() { return maxTranslation; }
    public FlowEncoding flowEncoding() { return flowEncoding; }
    public double siblingWeight() { return siblingWeight; }
    public ClassWeighting classWeighting() { return classWeighting; }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("epochs", epochs);
        o.put("batch_size", batchSize);
        o.put("learning_rate", learningRate);
        o.put("min_learning_rate", minLearningRate);
        o.put("weight_decay", weightDecay);
        o.put("warmup_epochs", warmupEpochs);
        o.put("grad_clip", gradClip);
        o.put("flip_probability", flipProbability);
        o.put("max_translation", maxTranslation);
        o.put("flow_encoding", flowEncoding.name().toLowerCase());
        o.put("sibling_weight", siblingWeight);
        o.put("class_weighting", classWeighting.name().toLowerCase());
        return o.toString();
    }

    public static TrainingConfig fromJson(String json) {
        ObjectNode doc = JsonFields.parseObject(json, "training config");
        JsonFields.rejectUnknownKeys(doc, KEYS, "training config: ");
        Builder b = builder();
        if (doc.has("epochs")) b.optEpochs(JsonFields.intValue(doc.get("epochs"), "epochs"));
        if (doc.has("batch_size")) b.optBatchSize(JsonFields.intValue(doc.get("batch_size"), "batch_size"));
        if (doc.has("learning_rate")) b.optLearningRate(JsonFields.doubleValue(doc.get("learning_rate"), "learning_rate"));
        if (doc.has("min_learning_rate")) {
            b.optMinLearningRate(JsonFields.doubleValue(doc.get("min_learning_rate"), "min_learning_rate"));
        }
        if (doc.has("weight_decay")) b.optWeightDecay(JsonFields.doubleValue(doc.get("weight_decay"), "weight_decay"));
        if (doc.has("warmup_epochs")) b.optWarmupEpochs(JsonFields.intValue(doc.get("warmup_epochs"), "warmup_epochs"));
        if (doc.has("grad_clip")) b.optGradClip(JsonFields.doubleValue(doc.get("grad_clip"), "grad_clip"));
        if (doc.has("flip_probability")) {
            b.optFlipProbability(JsonFields.doubleValue(doc.get("flip_probability"), "flip_probability"));
        }
        if (doc.has("max_translation")) {
            b.optMaxTranslation(JsonFields.intValue(doc.get("max_translation"), "max_translation"));
        }
        if (doc.has("flow_encoding")) b.optFlowEncoding(enumField(doc, "flow_encoding", FlowEncoding.class));
        if (doc.has("sibling_weight")) b.optSiblingWeight(JsonFields.doubleValue(doc.get("sibling_weight"), "sibling_weight"));
        if (doc.has("class_weighting")) b.optClassWeighting(enumField(doc, "class_weighting", ClassWeighting.class));
        return b.build();
    }

    private static <E extends Enum<E>> E enumField(JsonNode doc, String key, Class<E> type) {
        String token = JsonFields.textValue(doc.get(key), key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(token)) {
                return e;
            }
        }
        throw new IllegalArgumentException("training config: unknown " + key + " '" + token + "'");
    }

    /** The native step's options for a run of {@code stepsPerEpoch} steps per epoch. */
    String toNativeJson(int stepsPerEpoch, double[] classWeights) { // package-private: Trainer and tests
        ObjectNode o = JSON.createObjectNode();
        o.put("learning_rate", learningRate);
        o.put("min_learning_rate", minLearningRate);
        o.put("weight_decay", weightDecay);
        o.put("warmup_steps", (long) warmupEpochs * stepsPerEpoch);
        o.put("total_steps", Math.max(1L, (long) epochs * stepsPerEpoch));
        o.put("grad_clip", gradClip);
        o.put("flip_probability", flipProbability);
        o.put("max_translation", maxTranslation);
        o.put("flow_encoding", flowEncoding.name().toLowerCase());
        o.put("sibling_weight", siblingWeight);
        if (classWeights != null) {
            ArrayNode w = o.putArray("class_weights");
            for (double v : classWeights) {
                w.add(v);
            }
        }
        return o.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingConfig t && toJson().equals(t.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "TrainingConfig" + toJson();
    }

    /** DJL-style builder: every setting is optional and defaults to spec §5. */
    public static final class Builder {
        private int epochs = 100;
        private int batchSize = 32;
        private double learningRate = 5e-4;
        private double minLearningRate = 1e-6;
        private double weightDecay = 0.05;
        private int warmupEpochs = 5;
        private double gradClip = 5.0;
        private double flipProbability = 0.5;
        private int maxTranslation = 2;
        private FlowEncoding flowEncoding = FlowEncoding.IMAGE;
        private double siblingWeight = 1.0;
        private ClassWeighting classWeighting = ClassWeighting.NONE;

        private Builder() {}

        public Builder optEpochs(int v) { epochs = v; return this; }
        public Builder optBatchSize(int v) { batchSize = v; return this; }
        public Builder optLearningRate(double v) { learningRate = v; return this; }
        public Builder optMinLearningRate(double v) { minLearningRate = v; return this; }
        public Builder optWeightDecay(double v) { weightDecay = v; return this; }
        /** Linear warm-up length; clamped to the number of epochs when that is smaller. */
        public Builder optWarmupEpochs(int v) { warmupEpochs = v; return this; }
        public Builder optGradClip(double v) { gradClip = v; return this; }
        public Builder optFlipProbability(double v) { flipProbability = v; return this; }
        public Builder optMaxTranslation(int v) { maxTranslation = v; return this; }
        public Builder optFlowEncoding(FlowEncoding v) { flowEncoding = v; return this; }
        public Builder optSiblingWeight(double v) { siblingWeight = v; return this; }
        public Builder optClassWeighting(ClassWeighting v) { classWeighting = v; return this; }

        public TrainingConfig build() {
            if (warmupEpochs > epochs) {
                warmupEpochs = epochs;
            }
            return new TrainingConfig(this);
        }
    }

}
