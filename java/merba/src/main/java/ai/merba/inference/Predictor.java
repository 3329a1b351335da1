package ai.merba.inference;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.data.DecodedFlow;
import ai.merba.data.FlowDecoder;
import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.bytedeco.pytorch.Tensor;

/**
 * Serves predictions from a MERba model, safely shared by any number of threads, with the model swappable while
 * it serves.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.load(Path.of("merba.safetensors"))) {   // one per service
 *     Prediction p = predictor.predict(Path.of("flow.png"));                   // from any thread
 *     predictor.reload(Path.of("merba-v2.safetensors"));                       // a newly trained model, live
 * }
 * }</pre>
 *
 * <p>Thread safety: the model stays in eval mode, where a forward pass writes nothing (no running statistics,
 * no autograd graph), so concurrent calls run in parallel on one set of weights with no lock between them; each
 * call's tensors are its own and released before it returns, so native memory does not grow with the number of
 * predictions. {@link #reload} loads the new model beside the old one, then swaps them between calls: a call
 * runs entirely on one model, none fails or is dropped, and the old model is freed once the calls on it have
 * finished. {@link #close()} waits for running calls and then frees the model; later calls throw
 * {@link IllegalStateException}.
 *
 * <p>Inputs: flow files ({@link #predict(Path)}) and decoded flows ({@link #predict(DecodedFlow)}) are turned
 * into the network's input as the model was trained ({@link MerbaModel#inputCentring()}: as stored, centred
 * on their zero-motion level, or centred and scaled); float arrays and tensors are the network's input itself,
 * (C_in, S, S) float32 samples as {@code DecodedFlow.input(predictor.inputCentring())} gives them. Samples
 * holding NaN or ±Inf are refused unless {@link #withNonFiniteInputs} allows them.
 */
public final class Predictor implements AutoCloseable {
    // Read under the read lock by every call; replaced under the write lock by reload and close.
    private MerbaModel model;
    private boolean ownsModel;
    private boolean closed;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean allowNonFinite;

    private Predictor(MerbaModel model, boolean ownsModel) {
        this.model = model;
        this.ownsModel = ownsModel;
        model.eval();
    }

    /** Loads a checkpoint on the CPU; the predictor owns the model and frees it on {@link #close()}. */
    public static Predictor load(Path checkpoint) throws CheckpointException {
        return new Predictor(Checkpoint.load(checkpoint), true);
    }

    /** Loads a checkpoint on {@code device} ("cpu", "cuda", "cuda:1"). */
    public static Predictor load(Path checkpoint, String device) throws CheckpointException {
        return new Predictor(Checkpoint.load(checkpoint, device, false), true);
    }

    /**
     * Serves an existing model, switched to eval mode. The caller keeps ownership (closes it after the
     * predictor) and must not switch it to training mode or train it while the predictor is in use.
     */
    public static Predictor of(MerbaModel model) {
        return new Predictor(Objects.requireNonNull(model, "model"), false);
    }

    /**
     * Whether samples holding NaN or ±Inf are predicted (probabilities NaN) rather than refused with an
     * {@link IllegalArgumentException} naming the sample (the default). Set it before sharing the predictor.
     */
    public Predictor withNonFiniteInputs(boolean allow) {
        this.allowNonFinite = allow;
        return this;
    }

    /**
     * Replaces the served model by the checkpoint at {@code checkpoint}, on the device of the current one, without
     * stopping service: the new model is loaded and checked while calls go on, then swapped in between calls; the
     * old one is freed (if this predictor owned it) once no call uses it. The new model may have another
     * configuration or label scheme. On failure nothing changes.
     *
     * @throws CheckpointException when the checkpoint cannot be loaded (the current model keeps serving)
     * @throws IllegalStateException when the predictor is closed
     */
    public void reload(Path checkpoint) throws CheckpointException {
        Objects.requireNonNull(checkpoint, "checkpoint");
        MerbaModel next = Checkpoint.load(checkpoint, guarded(MerbaModel::device), false);
        MerbaModel previous;
        boolean ownedPrevious;
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                next.close();
                throw new IllegalStateException("this Predictor has been closed");
            }
            previous = model;
            ownedPrevious = ownsModel;
            model = next;
            ownsModel = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        // The write lock waited for every call on the previous model: nobody uses it any more.
        if (ownedPrevious) {
            previous.close();
        }
    }

    public ModelConfig config() {
        return guarded(MerbaModel::config);
    }

    public LabelScheme labels() {
        return guarded(MerbaModel::labels);
    }

    /** How decoded flows become the network's input, as the model was trained. */
    public InputCentring inputCentring() {
        return guarded(MerbaModel::inputCentring);
    }

    /** One sample, (C_in, S, S) row-major: C_in·S·S floats. */
    public Prediction predict(float[] sample) {
        return predict(sample, 1).get(0);
    }

    /** {@code batch} samples in (B, C_in, S, S) row-major order. */
    public List<Prediction> predict(float[] samples, int batch) {
        return guarded(m -> m.predict(samples, batch, allowNonFinite));
    }

    /** One sample as [channel][row][column]. */
    public Prediction predict(float[][][] sample) {
        return guarded(m -> m.predict(sample, allowNonFinite));
    }

    /** A batch tensor (B, C_in, S, S) float32 on the model's device; the caller keeps the tensor. */
    public List<Prediction> predict(Tensor batch) {
        return guarded(m -> m.predict(batch, allowNonFinite));
    }

    /** A flow file as the dataset reads it (PNG/JPEG flow image or .npy); see {@link FlowDecoder}. */
    public Prediction predict(Path flowFile) {
        Objects.requireNonNull(flowFile, "flowFile");
        return guarded(m -> m.predict(input(m, flowFile), 1, allowNonFinite).get(0));
    }

    /** A decoded flow, made into the network's input as the model was trained. */
    public Prediction predict(DecodedFlow flow) {
        Objects.requireNonNull(flow, "flow");
        return guarded(m -> m.predict(flow.input(m.inputCentring()), 1, allowNonFinite).get(0));
    }

    /** Several flow files, predicted in batches of {@code batchSize}; results in the files' order. */
    public List<Prediction> predictFiles(List<Path> flowFiles, int batchSize) {
        Objects.requireNonNull(flowFiles, "flowFiles");
        return guarded(m -> predictAll(m, flowFiles.size(), i -> input(m, flowFiles.get(i)), batchSize));
    }

    /** Several samples, each (C_in, S, S) row-major, predicted in batches of {@code batchSize}; results in order. */
    public List<Prediction> predictSamples(List<float[]> samples, int batchSize) {
        Objects.requireNonNull(samples, "samples");
        return guarded(m -> predictAll(m, samples.size(), samples::get, batchSize));
    }

    private List<Prediction> predictAll(MerbaModel m, int count, IntFunction<float[]> sample, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        int perSample = m.config().inChannels() * m.config().inputSize() * m.config().inputSize();
        List<Prediction> predictions = new ArrayList<>(count);
        for (int from = 0; from < count; from += batchSize) {
            int n = Math.min(batchSize, count - from);
            float[] batch = new float[n * perSample];
            for (int i = 0; i < n; i++) {
                float[] one = sample.apply(from + i);
                if (one.length != perSample) {
                    throw new IllegalArgumentException("sample " + (from + i) + " has " + one.length
                            + " floats, expected " + perSample);
                }
                System.arraycopy(one, 0, batch, i * perSample, perSample);
            }
            predictions.addAll(m.predict(batch, n, allowNonFinite));
        }
        return predictions;
    }

    /** Waits for running predictions, then frees the model if this predictor owns it. Idempotent. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed && ownsModel) {
                model.close();
            }
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** The network's input for a flow file, for model {@code m}. */
    private static float[] input(MerbaModel m, Path flowFile) {
        return FlowDecoder.read(flowFile, m.config().inChannels(), m.config().inputSize()).input(m.inputCentring());
    }

    /** Runs {@code call} on the current model, which stays the current one (and open) until it returns. */
    private <T> T guarded(Function<MerbaModel, T> call) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("this Predictor has been closed");
            }
            return call.apply(model);
        } finally {
            lifecycle.readLock().unlock();
        }
    }
}
