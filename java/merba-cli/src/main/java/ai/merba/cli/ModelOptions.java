package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that build a model: preset or config file, and the label scheme. */
final class ModelOptions {
    @Option(names = "--preset", defaultValue = "composite-28",
            description = "Model preset: composite-28 or paper-224 (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--config", description = "Model config JSON file (overrides --preset).")
    Path config;

    @Option(names = "--labels", defaultValue = "megc-3",
            description = "Label scheme: megc-3, casme2-5, samm-5, casme3-7 or a JSON file (default: ${DEFAULT-VALUE}).")
    String labels;

    /** The preset's name or the config file's path, for messages. */
    String describe() {
        return config != null ? config.toString() : preset;
    }

    ModelConfig modelConfig() throws IOException {
        if (config == null) {
            return ModelConfig.preset(preset);
        }
        requireFile(config, "--config");
        return ModelConfig.fromJson(config);
    }

    /** The label scheme's file, when --labels names one rather than a built-in scheme; else null. */
    Path labelsFile() {
        Path file = Path.of(labels);
        return labels.endsWith(".json") || Files.isRegularFile(file) ? file : null;
    }

    /** Refuses a missing file or a folder with a message that names the option (not just the path). */
    static void requireFile(Path file, String option) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": not a regular file");
        }
    }

    /** The samples of a manifest, checked and decoded for this model's input. */
    static FlowDataset dataset(Path manifest, ModelConfig config, LabelScheme labels) {
        return FlowDataset.load(Manifest.load(manifest, labels, config.inChannels(), config.inputSize()));
    }

    LabelScheme labelScheme() throws IOException {
        Path file = labelsFile();
        if (file == null) {
            return LabelScheme.builtIn(labels);
        }
        requireFile(file, "--labels");
        return LabelScheme.fromJson(file);
    }
}
