package ai.merba.cli;

import ai.merba.NativeThreads;
import ai.merba.internal.JsonFields;
import ai.merba.model.InputCentring;
import ai.merba.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that train: a built-in recipe or a training config file, and overrides of its
 * common fields. Without either, {@link #DEFAULT_RECIPE} is used.
 */
final class TrainingOptions {
    /**
     * The recipe without --recipe or --training-config: the newest one frozen by cross-validation and run through
     * its LOSO (docs/results.md).
     */
    static final String DEFAULT_RECIPE = TrainingConfig.COMPOSITE_28_TTA_SQRT;

    @Option(names = "--training-config", description = "Training config JSON file (instead of --recipe).")
    Path file;

    @Option(names = "--recipe", paramLabel = "NAME",
            description = "Built-in training recipe: composite-28-tta-sqrt (default), composite-28-tta or composite-28"
                    + " (chosen by cross-validation, docs/recipes/; -tta predicts with test-time flipping, -sqrt weighs"
                    + " classes by sqrt), or spec-defaults (spec §5, every recipe switch off).")
    String recipe;

    @Option(names = "--epochs", description = "Epochs (overrides the training config).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Batch size (overrides the training config).")
    Integer batchSize;

    @Option(names = "--lr", description = "Peak learning rate (overrides the training config).")
    Double learningRate;

    @Option(names = "--warmup-epochs", description = "Warm-up epochs (overrides the training config).")
    Integer warmupEpochs;

    @Option(names = "--class-weighting", description = "none, balanced or sqrt (overrides the training config).")
    TrainingConfig.ClassWeighting classWeighting;

    @Option(names = "--input-centring",
            description = "none, zero_level (centre each flow on its zero-motion level) or zero_level_scaled (centre, then"
                    + " divide each channel by its mean absolute value after centring); overrides the training config.")
    InputCentring inputCentring;

    @Option(names = "--label-smoothing", description = "Label smoothing epsilon (overrides the training config).")
    Double labelSmoothing;

    @Option(names = "--mixup-alpha", description = "Mixup's Beta(alpha, alpha); 0 = off (overrides the training config).")
    Double mixupAlpha;

    @Option(names = "--erase-size",
            description = "Random erasing: side of a square set to the zero-motion level at a random place in each training"
                    + " sample; 0 = off (overrides the training config).")
    Integer eraseSize;

    @Option(names = "--ema-decay", description = "Decay of the weights' moving average; 0 = off (overrides the training config).")
    Double emaDecay;

    @Option(names = "--sam-rho",
            description = "Sharpness-aware minimisation's radius: each step's gradient is taken at the weights moved by"
                    + " this far along their normalised gradient (two passes per step); 0 = off (overrides the training"
                    + " config).")
    Double samRho;

    @Option(names = "--test-time-flip", negatable = true,
            description = "Predict from each sample and its mirror image, averaging the logits (needs zero_level or"
                    + " zero_level_scaled centring; overrides the training config).")
    Boolean testTimeFlip;

    @Option(names = "--ensemble-size",
            description = "Models per fold in cv/loso, each from its own seed, their predicted distributions averaged"
                    + " (overrides the training config).")
    Integer ensembleSize;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of everything random (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Native threads (default: LibTorch's choice, the number of cores).")
    Integer threads;

    TrainingConfig trainingConfig() throws IOException {
        if (file != null && recipe != null) {
            throw new IllegalArgumentException("give --training-config or --recipe, not both");
        }
        if (file != null) {
            ModelOptions.requireFile(file, "--training-config");
        }
        TrainingConfig.Builder b = file != null
                ? JsonFields.readFile(file, TrainingConfig::fromJson).toBuilder()
                : TrainingConfig.recipe(recipe != null ? recipe : DEFAULT_RECIPE).toBuilder();
        if (epochs != null) b.optEpochs(epochs);
        if (batchSize != null) b.optBatchSize(batchSize);
        if (learningRate != null) b.optLearningRate(learningRate);
        if (warmupEpochs != null) b.optWarmupEpochs(warmupEpochs);
        if (classWeighting != null) b.optClassWeighting(classWeighting);
        if (inputCentring != null) b.optInputCentring(inputCentring);
        if (labelSmoothing != null) b.optLabelSmoothing(labelSmoothing);
        if (mixupAlpha != null) b.optMixupAlpha(mixupAlpha);
        if (emaDecay != null) b.optEmaDecay(emaDecay);
        if (samRho != null) b.optSamRho(samRho);
        if (testTimeFlip != null) b.optTestTimeFlip(testTimeFlip);
        if (ensembleSize != null) b.optEnsembleSize(ensembleSize);
        if (eraseSize != null) b.optEraseSize(eraseSize);
        return b.build();
    }

    /** Where the settings come from, for headers: "recipe composite-28-tta-sqrt" or "training config FILE". */
    String describe() {
        if (file != null) {
            return "training config " + file;
        }
        return "recipe " + (recipe != null ? recipe : DEFAULT_RECIPE);
    }

    void applyThreads() {
        if (threads != null) {
            NativeThreads.set(threads, "--threads");
        }
    }
}
