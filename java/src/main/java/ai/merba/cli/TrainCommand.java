package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.train.Trainer;
import ai.merba.train.listener.LoggingListener;
import ai.merba.train.listener.ProgressBar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on a manifest and report its training accuracy per epoch."
                + " (Saving the trained weights comes with the checkpoint format.)")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, description = "Manifest CSV (dataset,subject,sample,label,file).")
    Path manifest;

    @Option(names = "--validation", description = "A second manifest to evaluate after every epoch.")
    Path validation;

    @Option(names = "--log-every", defaultValue = "1", description = "Log every N epochs (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Override
    public Integer call() throws Exception {
        training.applyThreads();
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        FlowDataset train = ModelOptions.dataset(manifest, config, labels);
        FlowDataset held = validation == null ? null : ModelOptions.dataset(validation, config, labels);
        try (MerbaModel m = MerbaModel.create(config, labels, training.seed)) {
            Trainer trainer = new Trainer(m, training.trainingConfig(), training.seed)
                    .addListener(new ProgressBar())
                    .addListener(new LoggingListener(System.out, logEvery));
            trainer.fit(train, held);
            System.out.printf("training accuracy (inference mode): %.3f%n", trainer.accuracy(train));
        }
        return MerbaCli.EXIT_OK;
    }
}
