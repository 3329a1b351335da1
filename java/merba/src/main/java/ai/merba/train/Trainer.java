package ai.merba.train;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.Version;
import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.data.FlowDataset;
import ai.merba.distributed.ProcessGroup;
import ai.merba.internal.JsonFields;
import ai.merba.internal.NativeCalls;
import ai.merba.model.MerbaModel;
import ai.merba.model.Prediction;
import ai.merba.presets.NativeStepResult;
import ai.merba.presets.NativeTrainer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Fits a {@link MerbaModel} on a {@link FlowDataset}: shuffled mini-batches, one native optimiser step per batch
 * (augmentation, mixup, forward, DGCM loss, backward, clipping, AdamW, schedule, weight average — all in C++,
 * one JNI crossing), and listeners around it. Reproducible from the seed: shuffling, augmentation, mixup and
 * drop path all derive from it.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, TrainingConfig.builder().optEpochs(50).build(), 42)
 *         .addListener(new ProgressBar()).addListener(new LoggingListener());
 * TrainingResult result = trainer.fit(train, validation);   // validation may be null
 * }</pre>
 *
 * <p>The model is trained on the config's {@link TrainingConfig#inputCentring()} and remembers it
 * ({@link MerbaModel#inputCentring()}). With a weight average ({@link TrainingConfig#emaDecay()} > 0), validation,
 * checkpoints and the model after {@code fit} hold the averaged weights.
 * It trains one model whatever the config's {@link TrainingConfig#ensembleSize()}: an ensemble is several trainers,
 * one per {@link TrainingConfig#memberSeed member seed} (what {@code EvaluationRunner} does).
 *
 * <p>Checkpoints: {@link #saveCheckpoint} (usually from a {@link ai.merba.train.listener.CheckpointListener}) writes
 * {@code NAME.safetensors} and, during training, the resumable state {@code NAME.train.safetensors};
 * {@link #resume} continues such a run, giving the weights an uninterrupted run would have (same config, data and
 * seed).
 *
 * <p>A step whose loss or gradient norm is NaN or infinite stops training with a {@link TrainingDivergedException}
 * (no listener saves after it, so the last checkpoint is the last good one).
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
    private ProcessGroup group;
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
     * Trains data-parallel with the other processes of {@code group}, as PyTorch's DistributedDataParallel does:
     * every rank runs this trainer with the same model config, training config, seed and data; each global batch
     * (the config's batch size) is split into contiguous shares, one per rank; the gradients are summed over the
     * ranks inside the native step before clipping and AdamW, so every rank holds the same weights after each step;
     * losses and accuracies are the global batch's. A trailing batch smaller than the world size is left out of
     * that epoch (the next shuffle puts other samples there). Flips, shifts and mixup's λ are drawn for the global
     * batch alike on every rank; mixup pairs samples within a rank's share. Only rank 0
     * writes checkpoints ({@link #saveCheckpoint} does nothing on the others); to {@link #resume}, every rank reads a
     * copy of that state (checked: ranks holding different states fail together). Data-parallel training runs on
     * CPU tensors. {@code null}: this process alone (the default).
     */
    public Trainer optProcessGroup(ProcessGroup group) {
        this.group = group;
        return this;
    }

    private int rank() {
        return group == null ? 0 : group.rank();
    }

    private int worldSize() {
        return group == null ? 1 : group.worldSize();
    }

    /** Asks the running {@link #fit} to stop after the current epoch (e.g. early stopping). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Trains for the config's epochs from the model's current weights. */
    public TrainingResult fit(FlowDataset train, FlowDataset validation) {
        try {
            return run(train, validation, null);
        } catch (CheckpointException e) {
            throw new IllegalStateException("unreachable: no state file is read without resume", e);
        }
    }

    /**
     * Continues the run saved at {@code checkpoint} from its training state {@code NAME.train.safetensors} (which
     * holds the weights too, so the pair cannot disagree): the weights, optimiser moments, weight average, step,
     * generator and epoch are restored and training goes on from the next epoch, ending with the weights an
     * uninterrupted run would have.
     *
     * @throws CheckpointException when the state is missing or damaged, or belongs to another run (another model,
     *     training config, data size, seed or native thread count: CONFIG_MISMATCH, STATE_MISMATCH); the model is
     *     then left as it was, since everything is checked before anything is restored
     */
    public TrainingResult resume(Path checkpoint, FlowDataset train, FlowDataset validation) throws CheckpointException {
        return run(train, validation, Objects.requireNonNull(checkpoint, "checkpoint"));
    }

    /**
     * Saves the model to {@code path} with training provenance (library version, seed, config, epochs completed,
     * last epoch's metrics, data). During {@link #fit}, while epochs remain, it first writes the resumable state to
     * {@link Checkpoint#trainingStatePath} (weights included: resuming needs that file alone, and each file is
     * written atomically). Once all epochs are done there is nothing to resume: a state file left at that path
     * by this run's earlier saves is deleted. With a weight average the model file holds the averaged weights.
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
        if (rank() != 0) {
            return;  // rank 0 writes for the group: the weights are the same on every rank
        }
        ObjectNode provenance = provenance();
        Path statePath = Checkpoint.trainingStatePath(path);
        NativeTrainer active = session;
        if (active == null) {
            Checkpoint.save(model, path, provenance);
            return;
        }
        if (epochsCompleted < config.epochs()) {
            TrainingStateFile.write(active, statePath, model, seed, epochsCompleted);
        }
        provenance.put("step", active.stepsTaken());
        withAveragedWeights(active, () -> Checkpoint.save(model, path, provenance));
        if (epochsCompleted >= config.epochs()) {
            try {
                Files.deleteIfExists(statePath);
            } catch (java.io.IOException e) {
                throw CheckpointException.of(CheckpointException.Reason.IO,
                        "could not delete the finished run's training state " + statePath + ": " + e.getMessage(), e);
            }
        }
    }

    private ObjectNode provenance() {
        ObjectNode p = JsonFields.MAPPER.createObjectNode();
        p.put("library_version", Version.get());
        p.put(TrainingStateFile.SEED, seed);
        p.set("training_config", JsonFields.parseObject(config.toJson(), "training config"));
        p.put(TrainingStateFile.EPOCHS_COMPLETED, epochsCompleted);
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

    private TrainingResult run(FlowDataset trainData, FlowDataset validationData, Path resumeFrom)
            throws CheckpointException {
        Objects.requireNonNull(trainData, "train");
        if (trainData.size() == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        checkCompatible(trainData);
        if (validationData != null) {
            checkCompatible(validationData);
        }
        FlowDataset train = trainData.withCentring(config.inputCentring());
        FlowDataset validation = validationData == null ? null : validationData.withCentring(config.inputCentring());
        stopRequested = false;
        int batchSize = Math.min(config.batchSize(), train.size());
        int world = worldSize();
        checkArgument(batchSize >= world, "a global batch of %s samples cannot be split across %s processes",
                batchSize, world);
        int batches = batchesPerEpoch(train.size(), batchSize, world);
        String options = config.toNativeJson(batches, config.classWeights(train.classCounts()));
        long start = System.nanoTime();
        List<EpochResult> epochs = new ArrayList<>();
        trainSamples = train.size();
        epochsCompleted = 0;
        lastEpoch = null;
        try (NativeTrainer active = NativeCalls.call(() -> group == null
                ? new NativeTrainer(model.nativeHandle(), options, seed)
                : new NativeTrainer(model.nativeHandle(), options, seed, group.nativeHandle()))) {
            SplittableRandom shuffle = new SplittableRandom(seed);
            if (resumeFrom != null) {
                epochsCompleted = TrainingStateFile.restore(active, resumeFrom, model, seed, config.epochs());
                // The shuffling stream continues where the interrupted run left it.
                for (int e = 0; e < epochsCompleted; e++) {
                    permutation(train.size(), shuffle);
                }
            }
            session = active;
            model.setInputCentring(config.inputCentring());
            model.setTestTimeFlip(config.testTimeFlip());
            model.train();
            listeners.forEach(l -> l.onTrainingBegin(this, config.epochs(), batches));
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
                    ValidationResult v = validate(active, validation, epoch);
                    listeners.forEach(l -> l.onValidation(this, v));
                }
            }
            // Listeners may still checkpoint (with training state) at the end.
            TrainingResult result = new TrainingResult(epochs, stopRequested && epochsCompleted < config.epochs(),
                    (System.nanoTime() - start) / 1e9);
            listeners.forEach(l -> l.onTrainingEnd(this, result));
            // The trained model holds the averaged weights from here on.
            if (active.hasWeightAverage()) {
                NativeCalls.run(active::swapWeightAverage);
            }
            return result;
        } finally {
            session = null;
            inEpoch = false;
        }
    }

    // A trailing batch with less than one sample per rank is left out of the epoch.
    private static int batchesPerEpoch(int samples, int batchSize, int world) {
        return samples / batchSize + (samples % batchSize >= world ? 1 : 0);
    }

    /**
     * The native training options a single-process {@link #fit} of {@code config} on {@code train} uses: its
     * schedule's steps and class weights from that data. For plans handed to the native fold loop
     * ({@code ai.merba.eval}); applications have no use for it.
     *
     * @param train the training data, centred as the config says
     */
    public static String nativeOptionsJson(TrainingConfig config, FlowDataset train) {
        int batchSize = Math.min(config.batchSize(), train.size());
        return config.toNativeJson(batchesPerEpoch(train.size(), batchSize, 1), config.classWeights(train.classCounts()));
    }

    private EpochResult runEpoch(NativeTrainer session, FlowDataset train, int epoch, int batchSize, int batches,
            SplittableRandom shuffle) {
        int[] order = permutation(train.size(), shuffle);
        int channels = train.channels();
        int perSample = channels * train.inputSize() * train.inputSize();
        // Centred inputs have their zero level at 0, which the native side assumes when given no levels.
        boolean zeroLevels = !train.centring().centred();
        long[] stepNanos = new long[batches];
        double lossSum = 0;
        long correct = 0;
        double lastLr = 0;
        long epochStart = System.nanoTime();
        int rank = rank(), world = worldSize();
        long samples = 0;
        for (int b = 0; b < batches; b++) {
            int first = b * batchSize, global = Math.min(train.size(), first + batchSize) - first;
            // This rank's contiguous share of the global batch (all of it in a single process).
            int from = first + (int) ((long) global * rank / world);
            int to = first + (int) ((long) global * (rank + 1) / world), n = to - from;
            float[] data = new float[n * perSample];
            float[] levels = new float[zeroLevels ? n * channels : 0];
            long[] targets = new long[n];
            for (int i = 0; i < n; i++) {
                int index = order[from + i];
                System.arraycopy(train.features(index), 0, data, i * perSample, perSample);
                if (zeroLevels) {
                    System.arraycopy(train.zeroLevel(index), 0, levels, i * channels, channels);
                }
                targets[i] = train.label(index);
            }
            long t0 = System.nanoTime();
            BatchResult batch;
            try (Tensor x = torch.empty(n, channels, train.inputSize(), train.inputSize());
                    Tensor y = torch.tensor(targets);
                    Tensor z = zeroLevels ? torch.empty(n, channels) : new Tensor()) {
                x.data_ptr_float().put(data);
                if (zeroLevels) {
                    z.data_ptr_float().put(levels);
                }
                int shareOffset = world == 1 ? 0 : from - first, globalSize = world == 1 ? 0 : global;
                try (NativeStepResult r = NativeCalls.call(() -> session.step(x, y, z, shareOffset, globalSize))) {
                    stepNanos[b] = System.nanoTime() - t0;
                    // The global batch's loss and counts (the same as this process's in a single process).
                    batch = new BatchResult(epoch, b + 1, batches, r.loss(), (int) r.correct(), (int) r.samples(),
                            r.learningRate(), r.gradNorm(), stepNanos[b]);
                }
            }
            if (!Double.isFinite(batch.loss()) || !Double.isFinite(batch.gradNorm())) {
                throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                        "training diverged at epoch %d, batch %d: loss %s, gradient norm %s at learning rate %.3g; the "
                                + "weights are no longer usable (checkpoints of earlier epochs are kept). Lower the "
                                + "learning rate, or check the inputs.", epoch, b + 1, batch.loss(), batch.gradNorm(),
                        batch.learningRate()), epoch, b + 1);
            }
            lossSum += batch.loss() * batch.samples();
            correct += batch.correct();
            samples += batch.samples();
            lastLr = batch.learningRate();
            listeners.forEach(l -> l.onBatchEnd(this, batch));
        }
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        long[] sorted = stepNanos.clone();
        Arrays.sort(sorted);
        return new EpochResult(epoch, config.epochs(), lossSum / samples, (double) correct / samples, lastLr,
                samples / seconds, percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.9) / 1e6, (int) samples);
    }

    /** Predicts the held-out set with the weights the run would save (the average, when kept). */
    private ValidationResult validate(NativeTrainer session, FlowDataset validation, int epoch) {
        List<List<Prediction>> predicted = new ArrayList<>(1);
        Trainer.<RuntimeException>withAveragedWeights(session,
                () -> predicted.add(predict(model, validation, config.batchSize())));
        model.train();
        List<Prediction> predictions = predicted.get(0);
        long correct = 0;
        for (int i = 0; i < predictions.size(); i++) {
            correct += predictions.get(i).fineIndex() == validation.label(i) ? 1 : 0;
        }
        return new ValidationResult(epoch, (double) correct / predictions.size(), predictions.size(), predictions);
    }

    @FunctionalInterface
    private interface Action<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code action} with the weight average swapped in (when the run keeps one), and swaps it back. */
    private static <E extends Exception> void withAveragedWeights(NativeTrainer session, Action<E> action) throws E {
        boolean swap = session.hasWeightAverage();
        if (swap) {
            NativeCalls.run(session::swapWeightAverage);
        }
        try {
            action.run();
        } finally {
            if (swap) {
                NativeCalls.run(session::swapWeightAverage);
            }
        }
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

    /**
     * Predictions for every sample of a dataset, in its order, {@code batchSize} at a time, with the samples made
     * into the network's input as the model was trained ({@link MerbaModel#inputCentring()}). Leaves the model in
     * eval mode.
     */
    public static List<Prediction> predict(MerbaModel model, FlowDataset data, int batchSize) {
        FlowDataset inputs = data.withCentring(model.inputCentring());
        int perSample = inputs.channels() * inputs.inputSize() * inputs.inputSize();
        List<Prediction> all = new ArrayList<>(inputs.size());
        model.eval();
        for (int from = 0; from < inputs.size(); from += batchSize) {
            int n = Math.min(batchSize, inputs.size() - from);
            float[] batch = new float[n * perSample];
            for (int i = 0; i < n; i++) {
                System.arraycopy(inputs.features(from + i), 0, batch, i * perSample, perSample);
            }
            all.addAll(model.predict(batch, n));
        }
        return all;
    }

    private void checkCompatible(FlowDataset data) {
        if (data.channels() != model.config().inChannels() || data.inputSize() != model.config().inputSize()) {
            throw new IllegalArgumentException("dataset samples are " + data.channels() + "×" + data.inputSize() + "×"
                    + data.inputSize() + " but the model takes " + model.config().inChannels() + "×"
                    + model.config().inputSize() + "×" + model.config().inputSize());
        }
        checkArgument(data.labels().numFine() == model.labels().numFine(),
                "dataset label scheme '%s' has %s classes but the model's has %s", data.labels().name(),
                data.labels().numFine(), model.labels().numFine());
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
