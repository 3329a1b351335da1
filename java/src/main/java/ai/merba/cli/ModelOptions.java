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
        return config != null ? ModelConfig.fromJson(config) : ModelConfig.preset(preset);
    }

    /** The samples of a manifest, checked and decoded for this model's input. */
    static FlowDataset dataset(Path manifest, ModelConfig config, LabelScheme labels) {
        return FlowDataset.load(Manifest.load(manifest, labels, config.inChannels(), config.inputSize()));
    }

    LabelScheme labelScheme() throws IOException {
        Path file = Path.of(labels);
        return labels.endsWith(".json") || Files.isRegularFile(file) ? LabelScheme.fromJson(file) : LabelScheme.builtIn(labels);
    }
}
