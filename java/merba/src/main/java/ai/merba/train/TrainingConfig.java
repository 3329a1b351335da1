package ai.merba.train;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.JsonFields;
import ai.merba.model.InputCentring;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to train: optimiser, schedule, augmentation, batching and the recipe switches (spec §5 defaults; every
 * switch off unless set), or a named {@link #recipe(String) recipe} chosen by cross-validation. Immutable; made with
 * {@link #builder()}; JSON via {@link #toJson()} /
 * {@link #fromJson(String)} (snake_case keys, missing keys take the defaults, unknown keys are errors). Invalid
 * values fail in {@code build()} naming the field and its bounds (docs/training-config.md).
 */
public final class TrainingConfig {
    /** Per-class loss weights. */
    public enum ClassWeighting {
        NONE("none"),
        /** weight_k = N / (K · N_k) over the training set: rare classes count as much as common ones. */
        BALANCED("balanced"),
        /** weight_k = sqrt(N / (K · N_k)): half-way, on a log scale, between none and balanced. */
        SQRT("sqrt");

        private final String token;

        ClassWeighting(String token) {
            this.token = token;
        }

        /** The JSON and command-line spelling. */
        public String token() {
            return token;
        }

        /** The weighting spelled {@code token} (any case, independent of the default locale). */
        public static ClassWeighting fromToken(String token) {
            String t = token.toLowerCase(Locale.ROOT);
            for (ClassWeighting w : values()) {
                if (w.token.equals(t)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown class weighting '" + token + "'; expected none, balanced or sqrt");
        }
    }

    /** Upper bounds that catch typos (an extra zero) before hours of training; documented in docs/training-config.md. */
    static final int MAX_EPOCHS = 100_000;
    static final int MAX_BATCH_SIZE = 65_536;
    static final double MAX_LEARNING_RATE = 1.0;
    static final int MAX_TRANSLATION = 64;
    static final int MAX_ERASE_SIZE = 64;
    static final int MAX_ENSEMBLE_SIZE = 64;

    private static final ObjectMapper JSON = JsonFields.MAPPER;
    /** The JSON keys, in the order toJson writes them. */
    static final List<String> KEYS = List.of("epochs", "batch_size", "learning_rate", "min_learning_rate",
            "weight_decay", "warmup_epochs", "grad_clip", "flip_probability", "max_translation", "erase_size", "sibling_weight",
            "class_weighting", "input_centring", "label_smoothing", "mixup_alpha", "ema_decay", "sam_rho",
            "test_time_flip", "ensemble_size");

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double minLearningRate;
    private final double weightDecay;
    private final int warmupEpochs;
    private final double gradClip;
    private final double flipProbability;
    private final int maxTranslation;
    private final int eraseSize;
    private final double siblingWeight;
    private final ClassWeighting classWeighting;
    private final InputCentring inputCentring;
    private final double labelSmoothing;
    private final double mixupAlpha;
    private final double emaDecay;
    private final double samRho;
    private final boolean testTimeFlip;
    private final int ensembleSize;

    private TrainingConfig(Builder b) {
        checkArgument(b.epochs >= 1 && b.epochs <= MAX_EPOCHS, "epochs = %s must be in 1..%s", b.epochs, MAX_EPOCHS);
        checkArgument(b.batchSize >= 1 && b.batchSize <= MAX_BATCH_SIZE, "batch_size = %s must be in 1..%s",
                b.batchSize, MAX_BATCH_SIZE);
        checkArgument(b.learningRate > 0 && b.learningRate <= MAX_LEARNING_RATE,
                "learning_rate = %s must be in (0, %s]", b.learningRate, MAX_LEARNING_RATE);
        checkArgument(b.minLearningRate >= 0 && b.minLearningRate <= b.learningRate,
                "min_learning_rate = %s must be in [0, learning_rate]", b.minLearningRate);
        checkArgument(b.weightDecay >= 0 && b.weightDecay <= 1, "weight_decay = %s must be in [0, 1]", b.weightDecay);
        checkArgument(b.warmupEpochs >= 0, "warmup_epochs = %s must be >= 0 (more than epochs means all of them)",
                b.warmupEpochs);
        checkArgument(b.gradClip >= 0 && Double.isFinite(b.gradClip),
                "grad_clip = %s must be finite and >= 0 (0 disables clipping)", b.gradClip);
        checkArgument(b.flipProbability >= 0 && b.flipProbability <= 1, "flip_probability = %s must be in [0, 1]",
                b.flipProbability);
        checkArgument(b.maxTranslation >= 0 && b.maxTranslation <= MAX_TRANSLATION,
                "max_translation = %s must be in 0..%s", b.maxTranslation, MAX_TRANSLATION);
        checkArgument(b.eraseSize >= 0 && b.eraseSize <= MAX_ERASE_SIZE, "erase_size = %s must be in 0..%s",
                b.eraseSize, MAX_ERASE_SIZE);
        checkArgument(b.siblingWeight >= 0 && Double.isFinite(b.siblingWeight),
                "sibling_weight = %s must be finite and >= 0", b.siblingWeight);
        checkArgument(b.labelSmoothing >= 0 && b.labelSmoothing < 1, "label_smoothing = %s must be in [0, 1)",
                b.labelSmoothing);
        checkArgument(b.mixupAlpha >= 0 && Double.isFinite(b.mixupAlpha),
                "mixup_alpha = %s must be finite and >= 0 (0 disables mixup)", b.mixupAlpha);
        checkArgument(b.emaDecay >= 0 && b.emaDecay < 1, "ema_decay = %s must be in [0, 1) (0 disables the average)",
                b.emaDecay);
        checkArgument(b.samRho >= 0 && b.samRho <= 1,
                "sam_rho = %s must be in [0, 1] (0 disables sharpness-aware steps)", b.samRho);
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.minLearningRate = b.minLearningRate;
        this.weightDecay = b.weightDecay;
        this.warmupEpochs = Math.min(b.warmupEpochs, b.epochs);  // a short run of a long recipe warms up throughout
        this.gradClip = b.gradClip;
        this.flipProbability = b.flipProbability;
        this.maxTranslation = b.maxTranslation;
        this.eraseSize = b.eraseSize;
        this.siblingWeight = b.siblingWeight;
        this.classWeighting = Objects.requireNonNull(b.classWeighting, "class_weighting");
        this.inputCentring = Objects.requireNonNull(b.inputCentring, "input_centring");
        this.labelSmoothing = b.labelSmoothing;
        this.mixupAlpha = b.mixupAlpha;
        this.emaDecay = b.emaDecay;
        this.samRho = b.samRho;
        checkArgument(!b.testTimeFlip || inputCentring.centred(),
                "test_time_flip needs input_centring zero_level or zero_level_scaled (the mirror image negates motion "
                        + "about a zero level of 0); set test_time_flip false (--no-test-time-flip), or use the recipe "
                        + "composite-28");
        this.testTimeFlip = b.testTimeFlip;
        checkArgument(b.ensembleSize >= 1 && b.ensembleSize <= MAX_ENSEMBLE_SIZE, "ensemble_size = %s must be in 1..%s",
                b.ensembleSize, MAX_ENSEMBLE_SIZE);
        this.ensembleSize = b.ensembleSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@link #recipe(String)}'s name for spec §5's defaults with every recipe switch off. */
    public static final String SPEC_DEFAULTS = "spec-defaults";

    /** The recipe chosen by 5-fold subject-grouped cross-validation on the MEGC composite (docs/results.md). */
    public static final String COMPOSITE_28 = "composite-28";

    /**
     * {@link #COMPOSITE_28} predicting with test-time flipping, which cross-validation preferred on both seeds (the
     * same trained weights, so the comparison isolates the flip; docs/results.md).
     */
    public static final String COMPOSITE_28_TTA = "composite-28-tta";

    /**
     * {@link #COMPOSITE_28_TTA} with sqrt class weights, which cross-database folds preferred and subject-wise
     * cross-validation accepted by a rule set beforehand (docs/results.md): the command-line tool's default.
     */
    public static final String COMPOSITE_28_TTA_SQRT = "composite-28-tta-sqrt";

    private static final List<String> RECIPE_NAMES = List.of(COMPOSITE_28_TTA, COMPOSITE_28_TTA_SQRT, COMPOSITE_28,
            SPEC_DEFAULTS);

    /**
     * A named recipe: {@code composite-28} (the settings chosen by cross-validation for the composite-28 model on
     * 28×28 MEGC composite flows, frozen in docs/recipes/composite-28.json, which the jar carries verbatim),
     * {@code composite-28-tta} (the same, predicting with test-time flipping), {@code composite-28-tta-sqrt} (that
     * with sqrt class weights) or {@code spec-defaults} (the same as
     * {@link #builder()}'s defaults).
     *
     * @throws IllegalArgumentException for any other name; the message lists the known ones
     */
    public static TrainingConfig recipe(String name) {
        Objects.requireNonNull(name, "name");
        if (SPEC_DEFAULTS.equals(name)) {
            return builder().build();
        }
        checkArgument(RECIPE_NAMES.contains(name), "unknown training recipe '%s'; known recipes: %s", name,
                String.join(", ", RECIPE_NAMES));
        String resource = "recipes/" + name + ".json";
        try (InputStream in = TrainingConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the recipe resource " + resource + " is missing from the jar");
            }
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recipe resource " + resource, e);
        }
    }

    /** The names {@link #recipe(String)} knows. */
    public static List<String> recipeNames() {
        return RECIPE_NAMES;
    }

    public Builder toBuilder() {
        return new Builder().optEpochs(epochs).optBatchSize(batchSize).optLearningRate(learningRate)
                .optMinLearningRate(minLearningRate).optWeightDecay(weightDecay).optWarmupEpochs(warmupEpochs)
                .optGradClip(gradClip).optFlipProbability(flipProbability).optMaxTranslation(maxTranslation).optEraseSize(eraseSize)
                .optSiblingWeight(siblingWeight).optClassWeighting(classWeighting).optInputCentring(inputCentring)
                .optLabelSmoothing(labelSmoothing).optMixupAlpha(mixupAlpha).optEmaDecay(emaDecay).optSamRho(samRho)
                .optTestTimeFlip(testTimeFlip).optEnsembleSize(ensembleSize);
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
    /** Side of the square each training sample has set to its zero level at a random place (random erasing); 0 = off. */
    public int eraseSize() { return eraseSize; }
    public double siblingWeight() { return siblingWeight; }
    public ClassWeighting classWeighting() { return classWeighting; }
    /** What the network is given for each decoded flow (spec §5); the trained model remembers it. */
    public InputCentring inputCentring() { return inputCentring; }
    public double labelSmoothing() { return labelSmoothing; }
    public double mixupAlpha() { return mixupAlpha; }
    /** Decay of the weights' moving average, evaluated and saved instead of the raw weights; 0 = off. */
    public double emaDecay() { return emaDecay; }
    /**
     * Radius ρ of sharpness-aware minimisation: each step takes its gradient at the weights moved by ρ along their
     * normalised gradient (two forward and backward passes per step); 0 = off.
     */
    public double samRho() { return samRho; }
    /** Whether the trained model predicts from each sample and its mirror image (averaged logits); it remembers it. */
    public boolean testTimeFlip() { return testTimeFlip; }
    /**
     * How many models a subject-wise evaluation trains per fold, each from its own seed, averaging their predicted
     * distributions ({@link ai.merba.model.EnsemblePrediction}); 1 = one model. {@link Trainer} trains one model
     * whatever this says: training several is the caller's loop ({@link #memberSeed}).
     */
    public int ensembleSize() { return ensembleSize; }

    /**
     * The seed of ensemble member {@code member} of a run seeded {@code seed}: member 0 keeps {@code seed}, so an
     * ensemble's first member is the model a one-model run trains.
     */
    public static long memberSeed(long seed, int member) {
        checkArgument(member >= 0, "member = %s must be >= 0", member);
        if (member == 0) {
            return seed;
        }
        // Mixed (MurmurHash3's finaliser): seed + γ·m alone would start SplittableRandom, whose own step is γ, on
        // member 0's stream shifted by m draws.
        long z = seed + 0x9E3779B97F4A7C15L * member;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

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
        o.put("erase_size", eraseSize);
        o.put("sibling_weight", siblingWeight);
        o.put("class_weighting", classWeighting.token());
        o.put("input_centring", inputCentring.token());
        o.put("label_smoothing", labelSmoothing);
        o.put("mixup_alpha", mixupAlpha);
        o.put("ema_decay", emaDecay);
        o.put("sam_rho", samRho);
        o.put("test_time_flip", testTimeFlip);
        o.put("ensemble_size", ensembleSize);
        return o.toString();
    }

    public static TrainingConfig fromJson(String json) {
        ObjectNode doc = JsonFields.parseObject(json, "training config");
        JsonFields.rejectUnknownKeys(doc, KEYS, "training config: ");
        Builder b = builder();
        if (doc.has("epochs")) b.optEpochs(JsonFields.intValue(doc.get("epochs"), "epochs"));
        if (doc.has("batch_size")) b.optBatchSize(JsonFields.intValue(doc.get("batch_size"), "batch_size"));
        if (doc.has("learning_rate")) b.optLearningRate(number(doc, "learning_rate"));
        if (doc.has("min_learning_rate")) b.optMinLearningRate(number(doc, "min_learning_rate"));
        if (doc.has("weight_decay")) b.optWeightDecay(number(doc, "weight_decay"));
        if (doc.has("warmup_epochs")) b.optWarmupEpochs(JsonFields.intValue(doc.get("warmup_epochs"), "warmup_epochs"));
        if (doc.has("grad_clip")) b.optGradClip(number(doc, "grad_clip"));
        if (doc.has("flip_probability")) b.optFlipProbability(number(doc, "flip_probability"));
        if (doc.has("max_translation")) {
            b.optMaxTranslation(JsonFields.intValue(doc.get("max_translation"), "max_translation"));
        }
        if (doc.has("erase_size")) b.optEraseSize(JsonFields.intValue(doc.get("erase_size"), "erase_size"));
        if (doc.has("sibling_weight")) b.optSiblingWeight(number(doc, "sibling_weight"));
        if (doc.has("class_weighting")) {
            b.optClassWeighting(token(doc, "class_weighting", ClassWeighting::fromToken));
        }
        if (doc.has("input_centring")) b.optInputCentring(token(doc, "input_centring", InputCentring::fromToken));
        if (doc.has("label_smoothing")) b.optLabelSmoothing(number(doc, "label_smoothing"));
        if (doc.has("mixup_alpha")) b.optMixupAlpha(number(doc, "mixup_alpha"));
        if (doc.has("ema_decay")) b.optEmaDecay(number(doc, "ema_decay"));
        if (doc.has("sam_rho")) b.optSamRho(number(doc, "sam_rho"));
        if (doc.has("test_time_flip")) b.optTestTimeFlip(JsonFields.booleanValue(doc.get("test_time_flip"), "test_time_flip"));
        if (doc.has("ensemble_size")) b.optEnsembleSize(JsonFields.intValue(doc.get("ensemble_size"), "ensemble_size"));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("training config: " + e.getMessage(), e);
        }
    }

    private static double number(JsonNode doc, String key) {
        return JsonFields.doubleValue(doc.get(key), key);
    }

    private static <T> T token(JsonNode doc, String key, java.util.function.Function<String, T> parse) {
        String token = JsonFields.textValue(doc.get(key), key);
        try {
            return parse.apply(token);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("training config: " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * The native step's options (native/train/training_options.h) for a run of {@code stepsPerEpoch} steps per
     * epoch with the given class weights (null for none).
     */
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
        if (eraseSize > 0) {  // absent: the native default, off
            o.put("erase_size", eraseSize);
        }
        o.put("sibling_weight", siblingWeight);
        o.put("label_smoothing", labelSmoothing);
        o.put("mixup_alpha", mixupAlpha);
        o.put("ema_decay", emaDecay);
        if (samRho > 0) {  // absent: the native default, off
            o.put("sam_rho", samRho);
        }
        if (classWeights != null) {
            ArrayNode w = o.putArray("class_weights");
            for (double v : classWeights) {
                w.add(v);
            }
        }
        return o.toString();
    }

    /**
     * Per-class loss weights for a training set with {@code counts} samples per class, or null for
     * {@link ClassWeighting#NONE}. A class absent from the set gets weight 1 (it never occurs in a batch, and the
     * native side needs w > 0).
     */
    double[] classWeights(int[] counts) { // package-private: Trainer and tests
        if (classWeighting == ClassWeighting.NONE) {
            return null;
        }
        long total = 0;
        int present = 0;
        for (int c : counts) {
            total += c;
            present += c > 0 ? 1 : 0;
        }
        double[] w = new double[counts.length];
        for (int k = 0; k < counts.length; k++) {
            double balanced = counts[k] == 0 ? 1.0 : (double) total / (present * (double) counts[k]);
            w[k] = classWeighting == ClassWeighting.SQRT ? Math.sqrt(balanced) : balanced;
        }
        return w;
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

    /** DJL-style builder: every setting is optional and defaults to spec §5, every recipe switch to off. */
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
        private int eraseSize;
        private double siblingWeight = 1.0;
        private ClassWeighting classWeighting = ClassWeighting.NONE;
        private InputCentring inputCentring = InputCentring.NONE;
        private double labelSmoothing = 0;
        private double mixupAlpha = 0;
        private double emaDecay = 0;
        private double samRho = 0;
        private boolean testTimeFlip;
        private int ensembleSize = 1;

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
        /** Random erasing: a square of this side, centred on a random pixel, set to the zero level; 0 = off. */
        public Builder optEraseSize(int v) { eraseSize = v; return this; }
        public Builder optSiblingWeight(double v) { siblingWeight = v; return this; }
        public Builder optClassWeighting(ClassWeighting v) { classWeighting = v; return this; }
        public Builder optInputCentring(InputCentring v) { inputCentring = v; return this; }
        /** ε: targets (1 − ε)·one-hot + ε spread over the classes (within the true group for the fine head). */
        public Builder optLabelSmoothing(double v) { labelSmoothing = v; return this; }
        /** α of mixup's λ ~ Beta(α, α); 0 = no mixup. */
        public Builder optMixupAlpha(double v) { mixupAlpha = v; return this; }
        /** Decay of the weights' exponential moving average; 0 = none. */
        public Builder optEmaDecay(double v) { emaDecay = v; return this; }
        /** Radius ρ of sharpness-aware minimisation (two passes per step); 0 = off. */
        public Builder optSamRho(double v) { samRho = v; return this; }
        /** Predict from each sample and its mirror image, averaging the logits (needs centred inputs). */
        public Builder optTestTimeFlip(boolean v) { testTimeFlip = v; return this; }
        /** Models per fold in a subject-wise evaluation, their distributions averaged; 1 = one model. */
        public Builder optEnsembleSize(int v) { ensembleSize = v; return this; }

        /** Validates the fields (naming the first bad one) and returns the config; the builder stays as it was. */
        public TrainingConfig build() {
            return new TrainingConfig(this);
        }
    }
}
