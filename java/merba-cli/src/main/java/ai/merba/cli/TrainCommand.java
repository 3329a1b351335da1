package ai.merba.cli;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.data.FlowDataset;
import ai.merba.distributed.ProcessGroup;
import ai.merba.eval.TrainingHistory;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import ai.merba.train.listener.CheckpointListener;
import ai.merba.train.listener.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model on a manifest, report its training accuracy per epoch and save it as a checkpoint"
                + " (NAME.safetensors; while training also NAME.train.safetensors, to resume an interrupted run).",
                "Example: merba train --manifest data/manifest.csv --output merba.safetensors"})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, description = "Manifest CSV (dataset,subject,sample,label,file).")
    Path manifest;

    @Option(names = "--validation", description = "A second manifest to evaluate after every epoch.")
    Path validation;

    @Option(names = "--output", description = "Checkpoint to write (default: merba.safetensors, or the --resume path).")
    Path output;

    @Option(names = "--checkpoint-every", defaultValue = "1",
            description = "Save every N epochs, with the state to resume from (default: ${DEFAULT-VALUE}; 0: only at the end).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run saved at this checkpoint (same data, config and seed).")
    Path resume;

    @Option(names = "--log-every", defaultValue = "1", description = "Log every N epochs (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--report", description = "Write the training curve (and validation metrics) as JSON here.")
    Path report;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Mixin
    DistributedOptions distributed;

    @Override
    public Integer call() throws Exception {
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        Path checkpoint = output != null ? output : resume != null ? resume : Path.of("merba.safetensors");
        OutputPaths.checkWritable(checkpoint, "--output");
        OutputPaths.checkWritable(report, "--report");
        Path[] inputs = {manifest, validation, model.config, training.file, model.labelsFile()};
        OutputPaths.checkNotInput(checkpoint, "--output", inputs);
        Path trainingState = Checkpoint.trainingStatePath(checkpoint);
        OutputPaths.checkNotInput(trainingState, "--output's training state", inputs);
        OutputPaths.checkNotInput(report, "--report", inputs);
        OutputPaths.checkApart(report, "--report", checkpoint, "--output");
        OutputPaths.checkApart(report, "--report", trainingState, "--output's training state");
        TrainingConfig trainingConfig = training.trainingConfig();  // a bad recipe fails before any data is decoded
        if (trainingConfig.ensembleSize() > 1) {
            throw new IllegalArgumentException("ensemble_size = " + trainingConfig.ensembleSize() + " is for cv and loso;"
                    + " train writes one model: run it once per --seed (or use --ensemble-size 1)");
        }
        training.applyThreads();
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        FlowDataset train = ModelOptions.dataset(manifest, config, labels);
        FlowDataset held = validation == null ? null : ModelOptions.dataset(validation, config, labels);
        try (ProcessGroup group = distributed.join();
                MerbaModel m = MerbaModel.create(config, labels, training.seed)) {
            boolean writes = group == null || group.rank() == 0;  // rank 0 writes for the group
            TrainingHistory history = new TrainingHistory(held);
            String data = manifest.toAbsolutePath().normalize().toString();
            System.out.printf("Training on %s: %d samples; model %s; %s; %d epochs%n", manifest, train.size(),
                    model.describe(), training.describe(), trainingConfig.epochs());
            Trainer trainer = new Trainer(m, trainingConfig, training.seed)
                    .optProcessGroup(group)
                    .optDataDescription(data)
                    .addListener(new ProgressBar())
                    .addListener(new ConsoleLog(System.out, logEvery))
                    .addListener(history)
                    .addListener(checkpointEvery > 0 ? new CheckpointListener(checkpoint, checkpointEvery)
                            : new CheckpointListener(checkpoint));
            if (resume != null) {
                trainer.resume(resume, train, held);
            } else {
                trainer.fit(train, held);
            }
            System.out.printf("training accuracy (inference mode): %.3f%n", trainer.accuracy(train));
            if (!writes) {
                System.out.printf("rank %d of %d: done; rank 0 writes the checkpoint and report%n", group.rank(),
                        group.worldSize());
            } else {
                System.out.println("saved " + checkpoint);
                if (report != null) {
                    Files.writeString(report, history.toJson(trainer, training.seed, data));
                    System.out.println("report: " + report);
                }
            }
            if (group != null) {
                group.barrier();  // rank 0 serves the store: it leaves last
            }
        }
        return MerbaCli.EXIT_OK;
    }
}
