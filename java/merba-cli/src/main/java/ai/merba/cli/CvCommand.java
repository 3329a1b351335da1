package ai.merba.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cv", mixinStandardHelpOptions = true,
        description = {"Subject-grouped k-fold cross-validation, the place to choose settings: the subjects are split"
                + " into k folds (a subject never in two; every (dataset, class) spread over the folds as whole"
                + " subjects allow), a fresh model trained per fold; the same report as 'merba loso', plus the"
                + " held-out metrics after every epoch. With --by-dataset: one fold per source dataset instead"
                + " (cross-database).",
                "Example: merba cv --manifest data/manifest.csv --folds 5 --training-config recipe.json --html cv.html"})
final class CvCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, description = "Manifest CSV (dataset,subject,sample,label,file).")
    Path manifest;

    @Option(names = "--folds", description = "Number of folds k (default: 5).")
    Integer folds;

    @Option(names = "--by-dataset",
            description = "Cross-database folds instead of subject folds: one fold per source dataset of the manifest,"
                    + " trained on the others (not with --folds or --split-seed).")
    boolean byDataset;

    @Option(names = "--split-seed",
            description = "Seed of the split into folds, apart from --seed so that recipes compare on the same"
                    + " folds (default: 1).")
    Long splitSeed;

    // No defaultValue: picocli sets a negatable option whose default is true to false on --held-out-curve and to
    // true on --no-held-out-curve (the inverse of the default, whichever form). Unset means on.
    @Option(names = "--held-out-curve", negatable = true,
            description = "Predict the held-out folds after every epoch, for the held-out curve (default: on).")
    Boolean heldOutCurve;

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
        boolean heldOut = !Boolean.FALSE.equals(heldOutCurve);
        if (byDataset) {
            if (folds != null || splitSeed != null) {
                throw new IllegalArgumentException("--by-dataset makes one fold per dataset: it takes no --folds or"
                        + " --split-seed");
            }
            return EvaluationCommands.run("leave-one-dataset-out CV", manifest, heldOut, model, training, distributed,
                    foldLoop, reports, (runner, data) -> runner.leaveOneDatasetOut(data),
                    (runner, data, plan) -> runner.exportLeaveOneDatasetOut(data, plan));
        }
        int k = folds == null ? 5 : folds;
        long split = splitSeed == null ? 1 : splitSeed;
        return EvaluationCommands.run(k + "-fold subject-grouped CV", manifest, heldOut, model, training,
                distributed, foldLoop, reports, (runner, data) -> runner.crossValidate(data, k, split),
                (runner, data, plan) -> runner.exportCrossValidation(data, k, split, plan));
    }
}
