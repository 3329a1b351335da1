package ai.merba.eval;

import static ai.merba.internal.Preconditions.checkArgument;
import static ai.merba.internal.Preconditions.checkState;

import ai.merba.Version;
import ai.merba.data.FlowDataset;
import ai.merba.data.Sample;
import ai.merba.distributed.ProcessGroup;
import ai.merba.model.EnsemblePrediction;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import ai.merba.train.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Subject-wise evaluation: for each fold, a fresh model (seeded from the run's seed and the fold) is trained on
 * the other subjects for the configured epochs and predicts the held-out subjects with its last-epoch weights (the
 * weight average when the recipe keeps one) — or, with the recipe's {@code ensemble_size} k > 1, k such models
 * from k seeds predict together ({@link EnsemblePrediction}); predictions of all folds are pooled into one
 * {@link EvaluationReport}. Reproducible from the seed.
 *
 * <ul>
 *   <li>{@link #loso}: leave-one-subject-out, the final exam (spec §5);
 *   <li>{@link #crossValidate}: subject-grouped k-fold cross-validation, the place to choose settings — about
 *       k/40 of the composite LOSO's cost — before a recipe is frozen and run through LOSO once;
 *   <li>{@link #leaveOneDatasetOut}: cross-database folds, to choose settings for data from another database.
 * </ul>
 *
 * <p>With {@link #withHeldOutCurve} the held-out subjects are also predicted after every epoch, for the report's
 * held-out curve: what cross-validation uses to choose a schedule. A LOSO should not track it: an epoch chosen
 * by test results is the selection the spec forbids.
 */
public final class EvaluationRunner {
    private final ModelConfig modelConfig;
    private final TrainingConfig trainingConfig;
    private final long seed;
    private BiFunction<FlowDataset.Fold, Integer, List<TrainingListener>> listeners = (fold, member) -> List.of();
    private PrintStream progress;
    private boolean heldOutCurve;
    private String dataDescription;
    private ProcessGroup group;
    private int nativeWorkers;
    private String nativeDevice = "cpu";
    private boolean cudaGraphs;

    public EvaluationRunner(ModelConfig modelConfig, TrainingConfig trainingConfig, long seed) {
        this.modelConfig = Objects.requireNonNull(modelConfig, "modelConfig");
        this.trainingConfig = Objects.requireNonNull(trainingConfig, "trainingConfig");
        this.seed = seed;
    }

    /**
     * Training listeners for each trainer (e.g. a progress bar prefixed with the fold): called once per model
     * trained, so once per fold, or once per member of a fold's ensemble.
     */
    public EvaluationRunner withListeners(Function<FlowDataset.Fold, List<TrainingListener>> factory) {
        Objects.requireNonNull(factory, "factory");
        return withListeners((fold, member) -> factory.apply(fold));
    }

    /**
     * As {@link #withListeners(Function)}, told which member of the fold's ensemble the trainer trains (0-based; always
     * 0 without an ensemble).
     */
    public EvaluationRunner withListeners(BiFunction<FlowDataset.Fold, Integer, List<TrainingListener>> factory) {
        this.listeners = Objects.requireNonNull(factory, "factory");
        return this;
    }

    /** One line per finished fold (accuracy, time, estimated time left) to {@code out}; null for none. */
    public EvaluationRunner withProgress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** Whether to predict the held-out subjects after every epoch (default: no). */
    public EvaluationRunner withHeldOutCurve(boolean track) {
        this.heldOutCurve = track;
        return this;
    }

    /** What data is evaluated, for the report (e.g. the manifest's path). */
    public EvaluationRunner withDataDescription(String description) {
        this.dataDescription = description;
        return this;
    }

    /**
     * Splits the folds across the processes of {@code group} (fold {@code p} on rank {@code p mod worldSize}), every
     * rank running this runner with the same configs, seed and data; the outcomes are gathered through the group's
     * store, so every rank returns the report one process would have made (the wall time aside). Each fold trains
     * in one process. {@code null}: all folds here (the default).
     */
    public EvaluationRunner withProcessGroup(ProcessGroup group) {
        this.group = group;
        return this;
    }

    /**
     * Runs the folds in the native fold loop instead of one {@link Trainer} after another: {@code workers} folds at
     * once, on {@code device} ("cpu", "cuda" or "cuda:N"). Each fold is trained and predicted exactly as here — the
     * same seeds, shuffles, schedule and weight average — so the predictions are the ones a Java run gives (the
     * report then has no per-epoch curves or held-out curve). On a GPU this is how folds share the device (one stream
     * per worker). On the CPU folds run at once only with one intra-op thread, else one at a time: the intra-op
     * threads already use the cores. {@code workers = 0} (the default) runs the folds in Java. Predictions equal the
     * Java loop's on the CPU with the same intra-op thread count (it decides how a batch is split across threads); on a
     * GPU they follow the GPU's rounding. Listeners ({@link #withListeners}) are not called by the native loop, and
     * progress lines come when all folds are done.
     *
     * @throws IllegalArgumentException for a negative worker count
     */
    public EvaluationRunner withNativeFolds(int workers, String device) {
        return withNativeFolds(workers, device, false);
    }

    /**
     * {@link #withNativeFolds(int, String)}, with each training step's forward and backward replayed as a CUDA graph
     * when {@code cudaGraphs}: on a GPU, the same draws and, up to rounding, the same results as eager steps, without
     * a launch per operation (docs/gpu.md; not yet run on a GPU). A capture that fails stops the run with its cause.
     *
     * @throws IllegalArgumentException for a negative worker count, CUDA graphs on the CPU, or CUDA graphs with
     *     sharpness-aware steps (a graph holds one pass; such a step runs two)
     */
    public EvaluationRunner withNativeFolds(int workers, String device, boolean cudaGraphs) {
        checkArgument(workers >= 0, "workers = %s must be >= 0", workers);
        checkArgument(workers > 0 || "cpu".equals(device),
                "device '%s' trains in the native fold loop: give workers >= 1", device);
        checkArgument(!cudaGraphs || (workers > 0 && !"cpu".equals(device)),
                "CUDA graphs of the training step need the native fold loop on a GPU, not device '%s'", device);
        // Refused here, before any fold runs, rather than by the first native worker.
        checkArgument(!cudaGraphs || trainingConfig.samRho() == 0,
                "CUDA graphs of the training step do not support sharpness-aware steps (sam_rho = %s); set sam_rho to 0"
                        + " or train without graphs", trainingConfig.samRho());
        this.nativeWorkers = workers;
        this.nativeDevice = Objects.requireNonNull(device, "device");
        this.cudaGraphs = cudaGraphs;
        return this;
    }

    /** Leave-one-subject-out over {@code data}: one fold per subject. */
    public EvaluationReport loso(FlowDataset data) {
        Objects.requireNonNull(data, "data");
        return run(data, data.leaveOneSubjectOut(), EvaluationReport.LOSO);
    }

    /**
     * Subject-grouped {@code k}-fold cross-validation over {@code data} ({@link FlowDataset#subjectKFold}); the
     * split is drawn from {@code splitSeed}, the training from the runner's seed.
     */
    public EvaluationReport crossValidate(FlowDataset data, int k, long splitSeed) {
        Objects.requireNonNull(data, "data");
        return run(data, data.subjectKFold(k, splitSeed), "cv-" + k);
    }

    /**
     * Leave-one-dataset-out over {@code data} ({@link FlowDataset#leaveOneDatasetOut}): one fold per source dataset,
     * trained on the others; the report's per-dataset figures are then each database seen from the others. Like
     * {@link #crossValidate} a place to choose settings, for a model meant for data of a database it has not seen.
     */
    public EvaluationReport leaveOneDatasetOut(FlowDataset data) {
        Objects.requireNonNull(data, "data");
        return run(data, data.leaveOneDatasetOut(), EvaluationReport.LODO);
    }

    /**
     * Writes the plan of {@link #loso} over {@code data} — the samples as the network sees them, the folds with their
     * seeds and training options — as one file for the native driver {@code merba_folds} (e.g. on a machine without a
     * JVM), without training anything.
     */
    public void exportLoso(FlowDataset data, Path plan) {
        Objects.requireNonNull(data, "data");
        NativeFoldPlan.write(plan, modelConfig, trainingConfig, seed, data, data.leaveOneSubjectOut(),
                EvaluationReport.LOSO);
    }

    /** As {@link #exportLoso}, for {@link #leaveOneDatasetOut}. */
    public void exportLeaveOneDatasetOut(FlowDataset data, Path plan) {
        Objects.requireNonNull(data, "data");
        NativeFoldPlan.write(plan, modelConfig, trainingConfig, seed, data, data.leaveOneDatasetOut(),
                EvaluationReport.LODO);
    }

    /** As {@link #exportLoso}, for {@link #crossValidate}{@code (data, k, splitSeed)}. */
    public void exportCrossValidation(FlowDataset data, int k, long splitSeed, Path plan) {
        Objects.requireNonNull(data, "data");
        NativeFoldPlan.write(plan, modelConfig, trainingConfig, seed, data, data.subjectKFold(k, splitSeed), "cv-" + k);
    }

    private EvaluationReport run(FlowDataset data, List<FlowDataset.Fold> folds, String protocol) {
        // Every class must be in some test set, or the pooled UF1/UAR is undefined: refuse before training.
        int[] counts = data.classCounts();
        for (int c = 0; c < counts.length; c++) {
            checkArgument(counts[c] > 0, "class '%s' has no samples in the data: pooled UF1/UAR would be undefined",
                    data.labels().classes().get(c).name());
        }
        List<String> classNames = data.labels().classes().stream().map(c -> c.name()).toList();
        List<FoldOutcome> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        if (nativeWorkers > 0) {
            checkArgument(group == null, "native folds run in one process: not with a process group");
            checkArgument(!heldOutCurve, "the native fold loop records no held-out curve");
            outcomes.addAll(nativeFolds(data, folds, protocol));
        } else if (group == null) {
            for (int p = 0; p < folds.size(); p++) {
                outcomes.add(trainFold(data, folds, p, start));
            }
        } else {
            try (FoldFanOut fanOut = new FoldFanOut(group, protocol)) {
                try {
                    for (int p = 0; p < folds.size(); p++) {
                        if (fanOut.runsHere(p)) {
                            fanOut.checkPeers();
                            fanOut.publish(p, trainFold(data, folds, p, start));
                        }
                    }
                    for (int p = 0; p < folds.size(); p++) {
                        outcomes.add(fanOut.await(p));
                    }
                } catch (RuntimeException | Error e) {
                    fanOut.publishFailure(e);  // the others stop waiting for this rank
                    throw e;
                }
                fanOut.finish();
            }
        }
        List<PredictionRecord> records = new ArrayList<>();
        outcomes.forEach(o -> records.addAll(o.records()));
        EvaluationReport.Builder report = EvaluationReport.builder(classNames, records)
                .optProtocol(protocol)
                .optModelConfigJson(modelConfig.toJson())
                .optTrainingConfigJson(trainingConfig.toJson())
                .optSeed(seed)
                .optLibraryVersion(Version.get())
                .optData(dataDescription);
        for (int f = 0; f < folds.size(); f++) {
            if (!outcomes.get(f).curve().isEmpty()) {  // the native fold loop records none
                report.optFoldCurve(folds.get(f).index(), outcomes.get(f).curve());
            }
            List<List<PredictionRecord>> epochs = outcomes.get(f).heldOut();
            for (int e = 0; e < epochs.size(); e++) {
                report.addHeldOutPredictions(e + 1, epochs.get(e));
            }
        }
        return report.optWallTimeSeconds((System.nanoTime() - start) / 1e9).build();
    }

    /** All folds through the native fold loop, via a plan file that lives as long as the run. */
    private List<FoldOutcome> nativeFolds(FlowDataset data, List<FlowDataset.Fold> folds, String protocol) {
        Path plan;
        try {
            plan = Files.createTempFile("merba-folds-", ".safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the fold plan file", e);
        }
        try {
            NativeFoldPlan.write(plan, modelConfig, trainingConfig, seed, data, folds, protocol);
            if (progress != null) {
                progress.printf(Locale.ROOT, "%d folds in the native fold loop%s, up to %d at once on %s%s%n",
                        folds.size(), trainingConfig.ensembleSize() > 1
                                ? " (ensembles of " + trainingConfig.ensembleSize() + ")" : "",
                        nativeWorkers, nativeDevice, cudaGraphs ? ", steps as CUDA graphs" : "");
            }
            List<NativeFoldPlan.FoldPredictions> predicted =
                    NativeFoldPlan.run(plan, nativeWorkers, nativeDevice, cudaGraphs);
            checkState(predicted.size() == folds.size(), "the native fold loop returned %s folds for %s",
                    predicted.size(), folds.size());
            List<FoldOutcome> outcomes = new ArrayList<>();
            for (int p = 0; p < folds.size(); p++) {
                FlowDataset.Fold fold = folds.get(p);
                NativeFoldPlan.FoldPredictions result = predicted.get(p);
                checkState(result.index() == fold.index() && result.predicted().length == fold.test().size(),
                        "the native fold loop's fold %s does not match fold %s of the plan", result.index(),
                        fold.index());
                List<PredictionRecord> records = new ArrayList<>();
                for (int i = 0; i < fold.test().size(); i++) {
                    records.add(record(fold, i, result.predicted()[i]));
                }
                outcomes.add(new FoldOutcome(records, List.of(), List.of()));
                if (progress != null) {
                    long correct = records.stream().filter(PredictionRecord::correct).count();
                    progress.printf(Locale.ROOT, "fold %d/%d  subject %-8s  %d/%d correct  %.1f s, last epoch loss %.4f%n",
                            fold.index() + 1, folds.size(), fold.heldOutSubject(), correct, fold.test().size(),
                            result.seconds(), result.lastEpochLoss());
                }
            }
            return outcomes;
        } finally {
            try {
                Files.deleteIfExists(plan);
            } catch (IOException e) {
                // A leftover temporary file is not worth failing a finished evaluation for.
            }
        }
    }

    /**
     * Trains the fold at {@code position} — one fresh model, or the recipe's ensemble of them, each from its own seed
     * — and predicts its held-out subjects.
     */
    private FoldOutcome trainFold(FlowDataset data, List<FlowDataset.Fold> folds, int position, long start) {
        FlowDataset.Fold fold = folds.get(position);
        long foldStart = System.nanoTime();
        long foldSeed = NativeFoldPlan.foldSeed(seed, fold.index());
        int members = trainingConfig.ensembleSize();
        List<List<Prediction>> predicted = new ArrayList<>(members);  // [member][sample]
        List<FoldRecorder> recorders = new ArrayList<>(members);
        for (int m = 0; m < members; m++) {
            long memberSeed = TrainingConfig.memberSeed(foldSeed, m);
            FoldRecorder recorder = new FoldRecorder();
            try (MerbaModel model = MerbaModel.create(modelConfig, data.labels(), memberSeed)) {
                Trainer trainer = new Trainer(model, trainingConfig, memberSeed).addListener(recorder);
                listeners.apply(fold, m).forEach(trainer::addListener);
                recorder.trained = trainer.fit(fold.train(), heldOutCurve ? fold.test() : null);
                predicted.add(Trainer.predict(model, fold.test(), trainingConfig.batchSize()));
            }
            recorders.add(recorder);
        }
        List<PredictionRecord> records = records(fold, predicted);
        int correct = (int) records.stream().filter(PredictionRecord::correct).count();
        List<List<PredictionRecord>> heldOut = new ArrayList<>();
        // Members that stopped early (a listener's requestStop) end the fold's curves where the first of them stopped.
        int tracked = recorders.stream().mapToInt(r -> r.heldOut.size()).min().orElse(0);
        for (int e = 0; e < tracked; e++) {
            List<List<Prediction>> epoch = new ArrayList<>(members);
            for (FoldRecorder r : recorders) {
                epoch.add(r.heldOut.get(e));
            }
            heldOut.add(records(fold, epoch));
        }
        if (progress != null) {
            // In a fan-out each rank runs every worldSize-th fold: the estimate counts this rank's folds.
            int world = group == null ? 1 : group.worldSize(), rank = group == null ? 0 : group.rank();
            int mine = (folds.size() - rank + world - 1) / world, doneHere = position / world + 1;
            double elapsed = (System.nanoTime() - start) / 1e9;
            double left = elapsed / doneHere * (mine - doneHere);
            double samplesPerSecond = recorders.stream().flatMap(r -> r.trained.epochs().stream())
                    .mapToDouble(EpochResult::samplesPerSecond).average().orElse(0);
            progress.printf(Locale.ROOT, "fold %d/%d  subject %-8s  %d/%d correct%s  %.1f s, training %.0f samples/s"
                            + "  (elapsed %s, about %s left)%n",
                    fold.index() + 1, folds.size(), fold.heldOutSubject(), correct, fold.test().size(),
                    members > 1 ? " (ensemble of " + members + ")" : "", (System.nanoTime() - foldStart) / 1e9,
                    samplesPerSecond, minutes(elapsed), minutes(left));
        }
        return new FoldOutcome(records, curve(recorders, heldOut), heldOut);
    }

    /** The fold's records from its members' predictions ([member][sample]), combined when there are several. */
    private List<PredictionRecord> records(FlowDataset.Fold fold, List<List<Prediction>> predicted) {
        List<PredictionRecord> records = new ArrayList<>(fold.test().size());
        List<Prediction> sample = new ArrayList<>(predicted.size());
        for (int i = 0; i < fold.test().size(); i++) {
            sample.clear();
            for (List<Prediction> member : predicted) {
                sample.add(member.get(i));
            }
            Prediction p = EnsemblePrediction.combine(sample, fold.test().labels(), modelConfig.dgcm());
            records.add(record(fold, i, p.fineIndex()));
        }
        return records;
    }

    /**
     * The fold's per-epoch curve: training loss and accuracy averaged over the members (one member: its own), the
     * held-out accuracy of the combined predictions when tracked.
     */
    private static List<EvaluationReport.EpochPoint> curve(List<FoldRecorder> members,
            List<List<PredictionRecord>> heldOut) {
        List<EvaluationReport.EpochPoint> points = new ArrayList<>();
        List<EpochResult> first = members.get(0).trained.epochs();
        int epochs = members.stream().mapToInt(m -> m.trained.epochs().size()).min().orElse(0);
        for (int e = 0; e < epochs; e++) {
            double loss = 0, accuracy = 0;
            for (FoldRecorder m : members) {
                loss += m.trained.epochs().get(e).loss();
                accuracy += m.trained.epochs().get(e).accuracy();
            }
            double held = Double.NaN;
            if (e < heldOut.size()) {
                held = (double) heldOut.get(e).stream().filter(PredictionRecord::correct).count() / heldOut.get(e).size();
            }
            EpochResult r = first.get(e);
            points.add(new EvaluationReport.EpochPoint(r.epoch(), loss / members.size(), accuracy / members.size(),
                    r.learningRate(), held));
        }
        return points;
    }

    private static PredictionRecord record(FlowDataset.Fold fold, int i, int predicted) {
        Sample s = fold.test().sample(i);
        return new PredictionRecord(fold.index(), s.dataset(), s.subject(), s.sample(), s.label(), predicted);
    }

    /** Keeps one member's training result and its held-out predictions after each epoch, for the curves. */
    private static final class FoldRecorder implements TrainingListener {
        private final List<List<Prediction>> heldOut = new ArrayList<>();
        private TrainingResult trained;

        @Override
        public void onValidation(Trainer trainer, ValidationResult v) {
            heldOut.add(v.predictions());
        }
    }

    private static String minutes(double seconds) {
        return String.format(Locale.ROOT, "%d:%02d", (long) seconds / 60, (long) seconds % 60);
    }
}
