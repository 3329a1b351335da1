package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.distributed.ProcessGroup;
import ai.merba.eval.EvaluationReport;
import ai.merba.eval.EvaluationRunner;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import ai.merba.train.listener.ProgressBar;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/** What {@code cv} and {@code loso} share: checks, the data, the runner with its progress, the reports. */
final class EvaluationCommands {
    private EvaluationCommands() {}

    /** Writes a command's fold plan instead of running it (--export-plan). */
    @FunctionalInterface
    interface PlanExport {
        void write(EvaluationRunner runner, FlowDataset data, Path plan);
    }

    /**
     * Runs an evaluation of {@code manifest} and prints and writes its report.
     *
     * @param title the first words of the header line, e.g. "LOSO"
     * @param protocol the protocol to run on the configured runner and the data
     */
    static int run(String title, Path manifest, boolean heldOutCurve, ModelOptions model, TrainingOptions training,
            DistributedOptions distributed, FoldLoopOptions folds, ReportOptions reports,
            BiFunction<EvaluationRunner, FlowDataset, EvaluationReport> protocol, PlanExport export) throws Exception {
        reports.checkWritable(manifest, model.config, training.file, model.labelsFile());
        folds.check(reports, manifest, model.config, training.file, model.labelsFile());
        training.applyThreads();
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        TrainingConfig trainingConfig = training.trainingConfig();
        FlowDataset data = ModelOptions.dataset(manifest, config, labels);
        System.out.printf("%s on %s: %d samples, %d subjects, %s; model %s; %s; %d epochs%n", title, manifest,
                data.size(), data.subjects().size(), labels.name(), model.describe(), training.describe(),
                trainingConfig.epochs());
        if (folds.exportPlan != null) {
            export.write(new EvaluationRunner(config, trainingConfig, training.seed), data, folds.exportPlan);
            System.out.printf("fold plan written to %s (run it with merba_folds %s --device cuda)%n", folds.exportPlan,
                    folds.exportPlan);
            return MerbaCli.EXIT_OK;
        }
        int workers = folds.nativeWorkers();
        if (workers > 0 && heldOutCurve) {
            System.out.println("(the native fold loop records no held-out curve: --no-held-out-curve)");
            heldOutCurve = false;
        }
        try (ProcessGroup group = distributed.join()) {
            if (group != null) {
                System.out.printf("rank %d of %d: folds %d, %d, ... of the run are trained here%n", group.rank(),
                        group.worldSize(), group.rank() + 1, group.rank() + 1 + group.worldSize());
            }
            return evaluate(group, heldOutCurve, workers, folds, config, trainingConfig, training, manifest, data,
                    reports, protocol);
        }
    }

    private static int evaluate(ProcessGroup group, boolean heldOutCurve, int nativeWorkers, FoldLoopOptions folds,
            ModelConfig config,
            TrainingConfig trainingConfig, TrainingOptions training, Path manifest, FlowDataset data,
            ReportOptions reports, BiFunction<EvaluationRunner, FlowDataset, EvaluationReport> protocol)
            throws Exception {
        EvaluationRunner runner = new EvaluationRunner(config, trainingConfig, training.seed)
                .withProcessGroup(group)
                .withProgress(System.out)
                .withHeldOutCurve(heldOutCurve)
                .withNativeFolds(nativeWorkers, folds.device, folds.cudaGraphs)
                .withDataDescription(manifest.toAbsolutePath().normalize().toString())
                .withListeners((fold, member) -> List.<TrainingListener>of(new ProgressBar().withPrefix(
                        "fold " + (fold.index() + 1) + (trainingConfig.ensembleSize() > 1
                                ? " member " + (member + 1) + "/" + trainingConfig.ensembleSize() : "") + " ")));
        EvaluationReport result = protocol.apply(runner, data);
        System.out.println();
        System.out.print(result.table());
        if (group == null || group.rank() == 0) {
            reports.write(result, System.out);
        }
        return MerbaCli.EXIT_OK;
    }
}
