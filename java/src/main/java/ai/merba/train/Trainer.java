package ai.merba.train;

import ai.merba.Version;
import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.data.FlowDataset;
import ai.merba.internal.JsonFields;
import ai.merba.internal.NativeCalls;
import ai.merba.model.MerbaModel;
import ai.merba.model.Prediction;
import ai.merba.presets.MerbaNative;
import ai.merba.presets.NativeTrainer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Fits a {@link MerbaModel} on a {@link FlowDataset}: shuffled mini-batches, one native optimiser step per batch
 * (forward, DGCM loss, backward, clipping, AdamW, schedule, augmentation — all in C++, one JNI crossing), and
 * listeners around it. Reproducible from the seed: shuffling, augmentation and drop path all derive from it.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, TrainingConfig.builder().optEpochs(50).build(), 42)
 *         .addListener(new ProgressBar()).addListener(new LoggingListener());
 * TrainingResult result = trainer.fit(train, validation);   // validation may be null
 * }</pre>
 *
 * <p>Checkpoints: {@link #saveCheckpoint} (usually from a
 * {@link ai.merba.train.listener.CheckpointListener}) writes {@code NAME.safetensors} and, during training, the
 * resumable state {@code NAME.train.safetensors}; {@link #resumeFrom} continues such a run, giving the weights an
 * uninterrupted run would have (same config, data and seed).
 *
 * <p>Native memory: each batch's tensors are closed in the loop that made them.
 */
public final class Trainer {
    private final MerbaModel model;
    private final TrainingConfig config;
    private final long seed;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private volatile boolean stopRequested;
    private String dataDescription;
    private Path resumeFrom;
    // While fit() runs: the native session and the progress, for checkpoints.
    private NativeTrainer session;
    private int epochsCompleted;
    private EpochResult lastEpoch;
    private int trainSamples;
    private boolean inEpoch;

    public Trainer(MerbaModel model, TrainingConfig config, long seed) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.seed = seed;
    }

    public Trainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public MerbaModel model() {
        return model;
    }

    public TrainingConfig config() {
        return config;
    }

    /** Describes the training data in checkpoints' provenance (e.g. the manifest's path). */
    public Trainer optDataDescription(String description) {
        this.dataDescription = description;
        return this;
    }

    /**
     * Makes the next {@link #fit} continue the run saved at {@code checkpoint}, from its training state
     * {@code NAME.train.safetensors} (which holds the weights too, so the pair cannot disagree): the weights,
     * optimiser moments, step, generator and epoch are restored and training goes on from the next epoch. The run
     * must have the same model, training config, data, seed and native thread count; otherwise fit throws an
     * {@link java.io.UncheckedIOException} whose cause is a {@link CheckpointException} (CONFIG_MISMATCH,
     * STATE_MISMATCH, ...), and the model is left as it was: everything is checked before anything is restored.
     */
    public Trainer resumeFrom(Path checkpoint) {
        this.resumeFrom = Objects.requireNonNull(checkpoint, "checkpoint");
        return this;
    }

    /**
     * Saves the model to {@code path} with training provenance (library version, seed, config, epochs completed,
     * last epoch's metrics, data). During {@link #fit}, while epochs remain, it first writes the resumable state to
     * {@link Checkpoint#trainingStatePath} (weights included: resuming needs that file alone, and each file is
     * written atomically). Once all epochs are done there is nothing to resume: a state file left at that path
     * by this run's earlier saves is deleted.
     *
     * @throws IllegalStateException when called during an epoch (e.g. from {@code onBatchEnd}): a run can only be
     *     resumed from an epoch boundary
     */
    public void saveCheckpoint(Path path) throws CheckpointException {
        Objects.requireNonNull(path, "path");
        if (inEpoch) {
            throw new IllegalStateException("checkpoints are saved between epochs (onEpochEnd, onValidation or "
                    + "onTrainingEnd), not during one: a run resumes from an epoch boundary");
        }
        ObjectNode provenance = provenance();
        Path statePath = Checkpoint.trainingStatePath(path);
        NativeTrainer active = session;
        if (active != null && epochsCompleted < config.epochs()) {
            ObjectNode meta = JsonFields.MAPPER.createObjectNode();
            meta.put(EPOCHS_COMPLETED, Integer.toString(epochsCompleted));
            meta.put(SEED, Long.toString(seed));
            meta.put(CONFIG, model.config().toJson());
            meta.put(LABELS, model.labels().toJson());
            String metaJson = JsonFields.write(meta);
            String state = statePath.toString();
            NativeCalls.runChecked(() -> active.saveState(state, metaJson));
        }
        if (active != null) {
            provenance.put(STEP, active.stepsTaken());
        }
        Checkpoint.save(model, path, provenance);
        if (active != null && epochsCompleted >= config.epochs()) {
            try {
                java.nio.file.Files.deleteIfExists(statePath);
            } catch (java.io.IOException e) {
                throw CheckpointException.of(CheckpointException.Reason.IO,
                        "could not delete the finished run's training state " + statePath + ": " + e.getMessage(), e);
            }
        }
    }

    private static final String EPOCHS_COMPLETED = "epochs_completed";
    private static final String SEED = "seed";
    private static final String STEP = "step";
    private static final String CONFIG = "config";
    private static final String LABELS = "labels";

    private ObjectNode provenance() {
        ObjectNode p = JsonFields.MAPPER.createObjectNode();
        p.put("library_version", Version.get());
        p.put(SEED, seed);
        p.set("training_config", JsonFields.parseObject(config.toJson(), "training config"));
        p.put(EPOCHS_COMPLETED, epochsCompleted);
        p.put("epochs", config.epochs());
        if (dataDescription != null) {
            p.put("data", dataDescription);
        }
        if (trainSamples > 0) {
            p.put("train_samples", trainSamples);
        }
        if (lastEpoch != null) {
            ObjectNode metrics = p.putObject("last_epoch");
            metrics.put("loss", lastEpoch.loss());
            metrics.put("accuracy", lastEpoch.accuracy());
            metrics.put("learning_rate", lastEpoch.learningRate());
        }
        return p;
    }

    /** Asks the running {@link #fit} to stop after the current epoch (e.g. early stopping). */
    public void requestStop() {
        stopRequested = true;
    }

    public TrainingResult fit(FlowDataset train, FlowDataset validation) {
        Objects.requireNonNull(train, "train");
        if (train.size() == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        checkCompatible(train);
        if (validation != null) {
            checkCompatible(validation);
        }
        stopRequested = false;
        int batchSize = Math.min(config.batchSize(), train.size());
        int batches = (train.size() + batchSize - 1) / batchSize;
        String options = config.toNativeJson(batches, classWeights(train));
        long start = System.nanoTime();
        List<EpochResult> epochs = new ArrayList<>();
        listeners.forEach(l -> l.onTrainingBegin(this, config.epochs(), batches));
        model.train();
        trainSamples = train.size();
        epochsCompleted = 0;
        lastEpoch = null;
        try (NativeTrainer active = NativeCalls.call(() -> new NativeTrainer(nativeModel(), options, seed))) {
            session = active;
            SplittableRandom shuffle = new SplittableRandom(seed);
            if (resumeFrom != null) {
                epochsCompleted = resume(active, resumeFrom);
                resumeFrom = null;
                // The shuffling stream continues where the interrupted run left it.
                for (int e = 0; e < epochsCompleted; e++) {
                    permutation(train.size(), shuffle);
                }
            }
            for (int epoch = epochsCompleted + 1; epoch <= config.epochs() && !stopRequested; epoch++) {
                int e = epoch;
                inEpoch = true;
                listeners.forEach(l -> l.onEpochBegin(this, e));
                EpochResult result = runEpoch(active, train, epoch, batchSize, batches, shuffle);
                inEpoch = false;
                epochs.add(result);
                epochsCompleted = epoch;
                lastEpoch = result;
                listeners.forEach(l -> l.onEpochEnd(this, result));
                if (validation != null && validation.size() > 0) {
                    ValidationResult v = new ValidationResult(epoch, accuracy(validation), validation.size());
                    listeners.forEach(l -> l.onValidation(this, v));
                }
            }
            // Listeners may still checkpoint (with training state) at the end.
            TrainingResult result = new TrainingResult(epochs, stopRequested && epochsCompleted < config.epochs(),
                    (System.nanoTime() - start) / 1e9);
            listeners.forEach(l -> l.onTrainingEnd(this, result));
            return result;
        } finally {
            session = null;
            inEpoch = false;
        }
    }

    /**
     * Restores the training state saved by {@link #saveCheckpoint} (weights included) after checking that it
     * belongs to a run like this one; returns the epochs that run had completed.
     */
    private int resume(NativeTrainer active, Path checkpoint) {
        Path statePath = Checkpoint.trainingStatePath(checkpoint);
        String state = statePath.toString();
        try {
            // Java's checks first, on the metadata alone; the native load checks options, thread count and every
            // tensor before it restores anything.
            JsonNode meta = JsonFields.parseObject(
                    NativeCalls.callChecked(() -> MerbaNative.readTrainingStateMetadata(state)), "training state metadata");
            if (!meta.path(CONFIG).asText().equals(model.config().toJson())
                    || !meta.path(LABELS).asText().equals(model.labels().toJson())) {
                throw CheckpointException.of(CheckpointException.Reason.CONFIG_MISMATCH, statePath
                        + ": saved for another model\n  saved: " + meta.path(CONFIG).asText() + " "
                        + meta.path(LABELS).asText() + "\n  this:  " + model.config().toJson() + " "
                        + model.labels().toJson(), null);
            }
            if (!meta.has(SEED) || Long.parseLong(meta.get(SEED).asText()) != seed) {
                throw CheckpointException.of(CheckpointException.Reason.STATE_MISMATCH, statePath + " was trained with seed "
                        + (meta.has(SEED) ? meta.get(SEED).asText() : "(unknown)") + ", this trainer has seed " + seed, null);
            }
            NativeCalls.callChecked(() -> active.loadState(state));
            return Integer.parseInt(meta.get(EPOCHS_COMPLETED).asText());
        } catch (CheckpointException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }

    private EpochResult runEpoch(NativeTrainer session, FlowDataset train, int epoch, int batchSize, int batches,
            SplittableRandom shuffle) {
        int[] order = permutation(train.size(), shuffle);
        int perSample = train.channels() * train.inputSize() * train.inputSize();
        long[] stepNanos = new long[batches];
        double lossSum = 0;
        long correct = 0;
        double lastLr = 0;
        long epochStart = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            int from = b * batchSize, to = Math.min(train.size(), from + batchSize), n = to - from;
            float[] data = new float[n * perSample];
            long[] targets = new long[n];
            for (int i = 0; i < n; i++) {
                int index = order[from + i];
                System.arraycopy(train.features(index), 0, data, i * perSample, perSample);
                targets[i] = train.label(index);
            }
            long t0 = System.nanoTime();
            double[] r = new double[5];
            try (Tensor x = torch.empty(n, train.channels(), train.inputSize(), train.inputSize());
                    Tensor y = torch.tensor(targets)) {
                x.data_ptr_float().put(data);
                try (Tensor out = NativeCalls.call(() -> session.step(x, y))) {
                    DoublePointer p = out.data_ptr_double();
                    p.get(r);
                }
            }
            stepNanos[b] = System.nanoTime() - t0;
            lossSum += r[0] * n;
            correct += (long) r[1];
            lastLr = r[3];
            BatchResult batch = new BatchResult(epoch, b + 1, batches, r[0], (int) r[1], n, r[3], r[4], stepNanos[b]);
            listeners.forEach(l -> l.onBatchEnd(this, batch));
        }
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        long[] sorted = stepNanos.clone();
        Arrays.sort(sorted);
        return new EpochResult(epoch, config.epochs(), lossSum / train.size(), (double) correct / train.size(), lastLr,
                train.size() / seconds, percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.9) / 1e6, train.size());
    }

    /** Accuracy of the fine predictions on a dataset (inference semantics), in batches. */
    public double accuracy(FlowDataset data) {
        List<Prediction> predictions = predict(model, data, config.batchSize());
        long correct = 0;
        for (int i = 0; i < data.size(); i++) {
            if (predictions.get(i).fineIndex() == data.label(i)) {
                correct++;
            }
        }
        return data.size() == 0 ? 0 : (double) correct / data.size();
    }

    /** Predictions for every sample of a dataset, in its order, {@code batchSize} at a time. */
    public static List<Prediction> predict(MerbaModel model, FlowDataset data, int batchSize) {
        int perSample = data.channels() * data.inputSize() * data.inputSize();
        List<Prediction> all = new ArrayList<>(data.size());
        for (int from = 0; from < data.size(); from += batchSize) {
            int n = Math.min(batchSize, data.size() - from);
            float[] batch = new float[n * perSample];
            for (int i = 0; i < n; i++) {
                System.arraycopy(data.features(from + i), 0, batch, i * perSample, perSample);
            }
            all.addAll(model.predict(batch, n));
        }
        return all;
    }

    private double[] classWeights(FlowDataset train) {
        if (config.classWeighting() == TrainingConfig.ClassWeighting.NONE) {
            return null;
        }
        int[] counts = train.classCounts();
        double[] w = new double[counts.length];
        int present = (int) Arrays.stream(counts).filter(c -> c > 0).count();
        for (int k = 0; k < counts.length; k++) {
            // Absent classes get weight 1: they never occur in a batch, and the native side needs w > 0.
            w[k] = counts[k] == 0 ? 1.0 : (double) train.size() / (present * (double) counts[k]);
        }
        return w;
    }

    private void checkCompatible(FlowDataset data) {
        if (data.channels() != model.config().inChannels() || data.inputSize() != model.config().inputSize()) {
            throw new IllegalArgumentException("dataset samples are " + data.channels() + "×" + data.inputSize() + "×"
                    + data.inputSize() + " but the model takes " + model.config().inChannels() + "×"
                    + model.config().inputSize() + "×" + model.config().inputSize());
        }
        if (data.labels().numFine() != model.labels().numFine()) {
            throw new IllegalArgumentException("dataset label scheme '" + data.labels().name() + "' has "
                    + data.labels().numFine() + " classes but the model's has " + model.labels().numFine());
        }
    }

    private ai.merba.presets.NativeModel nativeModel() {
        return model.nativeHandle();
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static double percentile(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }
}
