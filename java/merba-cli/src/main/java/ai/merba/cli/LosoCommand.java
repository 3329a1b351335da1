package ai.merba.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "loso", mixinStandardHelpOptions = true,
        description = {"Leave-one-subject-out evaluation, the final exam: a fresh model per held-out subject, trained for"
                + " the configured epochs and evaluated after the last one (with the weight average when the recipe"
                + " keeps one); pooled Acc / UF1 / UAR, confusion matrix, per-dataset and per-fold results.",
                "Choose settings with 'merba cv' first and freeze them in a --training-config file (or use the built-in"
                + " recipe), then run this once."})
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

    @Mixin
    DistributedOptions distributed;

    @Mixin
    FoldLoopOptions foldLoop;

    @Override
    public Integer call() throws Exception {
        return EvaluationCommands.run("LOSO", manifest, heldOutCurve, model, training, distributed, foldLoop, reports,
                (runner, data) -> runner.loso(data), (runner, data, plan) -> runner.exportLoso(data, plan));
    }
}
