package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.eval.LosoReport;
import ai.merba.eval.LosoRunner;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import ai.merba.train.listener.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "loso", mixinStandardHelpOptions = true,
        description = "Leave-one-subject-out evaluation: a fresh model per held-out subject, trained for the configured"
                + " epochs and evaluated with its last-epoch weights; pooled Acc / UF1 / UAR, confusion matrix,"
                + " per-dataset and per-fold results.")
final class LosoCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, description = "Manifest CSV (dataset,subject,sample,label,file).")
    Path manifest;

    @Option(names = "--report", description = "Write the JSON report here.")
    Path report;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Override
    public Integer call() throws Exception {
        training.applyThreads();
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        TrainingConfig trainingConfig = training.trainingConfig();
        FlowDataset data = ModelOptions.dataset(manifest, config, labels);
        System.out.printf("LOSO on %s: %d samples, %d subjects, %s; model %s; %d epochs%n", manifest, data.size(),
                data.subjects().size(), labels.name(), model.config != null ? model.config : model.preset,
                trainingConfig.epochs());
        LosoReport result = new LosoRunner(config, trainingConfig, training.seed)
                .withProgress(System.out)
                .withListeners(fold -> List.<TrainingListener>of(
                        new ProgressBar().withPrefix("fold " + (fold.index() + 1) + " ")))
                .run(data);
        System.out.println();
        System.out.print(result.table());
        if (report != null) {
            if (report.getParent() != null) {
                Files.createDirectories(report.getParent());
            }
            Files.writeString(report, result.toJson());
            System.out.println("report: " + report);
        }
        return MerbaCli.EXIT_OK;
    }
}
