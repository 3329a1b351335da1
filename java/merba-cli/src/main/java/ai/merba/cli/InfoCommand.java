package ai.merba.cli;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointMetadata;
import ai.merba.internal.JsonFields;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a model's configuration, label scheme, parameters per module and FLOPs per sample;"
                + " with --checkpoint, the checkpoint's metadata (format, training provenance) and its model.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--checkpoint", description = "A checkpoint (.safetensors) to describe instead of a preset or config.")
    Path checkpoint;

    @Option(names = "--parameters", description = "Also list every parameter and buffer with its shape.")
    boolean listParameters;

    @Override
    public Integer call() throws Exception {
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        if (checkpoint != null) {
            CheckpointMetadata metadata = Checkpoint.readMetadata(checkpoint);
            config = metadata.config();
            labels = metadata.labels();
            System.out.println("checkpoint: " + checkpoint + " (format " + metadata.raw().get(CheckpointMetadata.FORMAT)
                    + ", version " + metadata.formatVersion() + ")");
            metadata.training().ifPresent(t -> System.out.println("training: " + JsonFields.write(t)));
        }
        System.out.println("config: " + config.toJson());
        System.out.println("labels: " + labels.toJson());
        try (MerbaModel m = checkpoint != null ? Checkpoint.load(checkpoint) : MerbaModel.create(config, labels, 0)) {
            System.out.print(m.summary().table());
            if (listParameters) {
                m.parameters().forEach(p -> System.out.println("  " + p));
            }
        }
        return MerbaCli.EXIT_OK;
    }
}
