package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.eval.EvaluationReport;
import ai.merba.eval.EvaluationRunner;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import ai.merba.train.listener.ProgressBar;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "loso", mixinStandardHelpOptions = true,
        description = {"Leave-one-subject-out evaluation, the final exam: a fresh model per held-out subject, trained for"
                + " the configured epochs and evaluated with its last-epoch weights; pooled Acc / UF1 / UAR, confusion"
                + " matrix, per-dataset and per-fold results.",
                "Choose settings with 'merba cv' first, freeze them in a --training-config file, then run this once."})
final class LosoCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, description = "Manifest CSV (dataset,subject,sample,label,file).")
    Path manifest;

    @Option(names = "--held-out-curve", negatable = true, defaultValue = "false",
            description = "Also predict each held-out subject after every epoch, for the report's curves"
                    + " (default: ${DEFAULT-VALUE}; never choose epochs from it).")
    boolean heldOutCurve;

    @Mixin
    ReportOptions reports;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Override
    public Integer call() throws Exception {
        reports.checkWritable(manifest, model.config, training.file, model.labelsFile());
        training.applyThreads();
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        TrainingConfig trainingConfig = training.trainingConfig();
        FlowDataset data = ModelOptions.dataset(manifest, config, labels);
        System.out.printf("LOSO on %s: %d samples, %d subjects, %s; model %s; %d epochs%n", manifest, data.size(),
                data.subjects().size(), labels.name(), model.describe(), trainingConfig.epochs());
        EvaluationReport result = new EvaluationRunner(config, trainingConfig, training.seed)
                .withProgress(System.out)
                .withHeldOutCurve(heldOutCurve)
                .withDataDescription(manifest.toAbsolutePath().normalize().toString())
                .withListeners(fold -> List.<TrainingListener>of(
                        new ProgressBar().withPrefix("fold " + (fold.index() + 1) + " ")))
                .loso(data);
        System.out.println();
        System.out.print(result.table());
        reports.write(result, System.out);
        return MerbaCli.EXIT_OK;
    }
}
