package ai.merba.eval;

import ai.merba.Version;
import ai.merba.data.FlowDataset;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Leave-one-subject-out evaluation (spec §5): for each subject, a fresh model (seeded from the run's seed and
 * the fold) is trained on all other subjects for the configured epochs and predicts the held-out subject with
 * its last-epoch weights; predictions of all folds are pooled into one {@link LosoReport}. Reproducible from
 * the seed.
 */
public final class LosoRunner {
    private final ModelConfig modelConfig;
    private final TrainingConfig trainingConfig;
    private final long seed;
    private Function<FlowDataset.Fold, List<TrainingListener>> listeners = fold -> List.of();
    private PrintStream progress;

    public LosoRunner(ModelConfig modelConfig, TrainingConfig trainingConfig, long seed) {
        this.modelConfig = Objects.requireNonNull(modelConfig, "modelConfig");
        this.trainingConfig = Objects.requireNonNull(trainingConfig, "trainingConfig");
        this.seed = seed;
    }

    /** Training listeners for each fold's trainer (e.g. a progress bar prefixed with the fold). */
    public LosoRunner withListeners(Function<FlowDataset.Fold, List<TrainingListener>> factory) {
        this.listeners = Objects.requireNonNull(factory, "factory");
        return this;
    }

    /** One line per finished fold (accuracy, time, estimated time left) to {@code out}; null for none. */
    public LosoRunner withProgress(PrintStream out) {
        this.progress = out;
        return this;
    }

    public LosoReport run(FlowDataset data) {
        Objects.requireNonNull(data, "data");
        List<FlowDataset.Fold> folds = data.leaveOneSubjectOut();
        List<PredictionRecord> records = new ArrayList<>();
        long start = System.nanoTime();
        for (FlowDataset.Fold fold : folds) {
            long foldStart = System.nanoTime();
            long foldSeed = seed * 1_000_003L + fold.index();
            int correct = 0;
            double trainingSamplesPerSecond;
            try (MerbaModel model = MerbaModel.create(modelConfig, data.labels(), foldSeed)) {
                Trainer trainer = new Trainer(model, trainingConfig, foldSeed);
                listeners.apply(fold).forEach(trainer::addListener);
                TrainingResult trained = trainer.fit(fold.train(), null);
                trainingSamplesPerSecond = trained.epochs().stream().mapToDouble(EpochResult::samplesPerSecond)
                        .average().orElse(0);
                List<Prediction> predictions = Trainer.predict(model, fold.test(), trainingConfig.batchSize());
                for (int i = 0; i < fold.test().size(); i++) {
                    var s = fold.test().sample(i);
                    int predicted = predictions.get(i).fineIndex();
                    records.add(new PredictionRecord(fold.index(), s.dataset(), s.subject(), s.sample(), s.label(),
                            predicted));
                    correct += predicted == s.label() ? 1 : 0;
                }
            }
            if (progress != null) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                double left = elapsed / (fold.index() + 1) * (folds.size() - fold.index() - 1);
                progress.printf("fold %d/%d  subject %-8s  %d/%d correct  %.1f s, training %.0f samples/s"
                                + "  (elapsed %s, about %s left)%n",
                        fold.index() + 1, folds.size(), fold.heldOutSubject(), correct, fold.test().size(),
                        (System.nanoTime() - foldStart) / 1e9, trainingSamplesPerSecond, minutes(elapsed),
                        minutes(left));
            }
        }
        List<String> classNames = data.labels().classes().stream().map(c -> c.name()).toList();
        return LosoReport.builder(classNames, records)
                .optModelConfigJson(modelConfig.toJson())
                .optTrainingConfigJson(trainingConfig.toJson())
                .optSeed(seed)
                .optLibraryVersion(Version.get())
                .optWallTimeSeconds((System.nanoTime() - start) / 1e9)
                .build();
    }

    private static String minutes(double seconds) {
        return String.format("%d:%02d", (long) seconds / 60, (long) seconds % 60);
    }
}
