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
import java.util.function.IntFunction;
import org.bytedeco.pytorch.Tensor;

/**
 * Serves predictions from a MERba model, safely shared by any number of threads.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.load(Path.of("merba.safetensors"))) {   // one per service
 *     Prediction p = predictor.predict(Path.of("flow.png"));                   // from any thread
 * }
 * }</pre>
 *
 * <p>Thread safety: the model stays in eval mode, where a forward pass writes nothing (no running statistics,
 * no autograd graph), so concurrent calls run in parallel on one set of weights with no lock between them; each
 * call's tensors are its own and released before it returns, so native memory does not grow with the number of
 * predictions. {@link #close()} waits for running calls and then frees the model; later calls throw
 * {@link IllegalStateException}.
 *
 * <p>Inputs: flow files ({@link #predict(Path)}) and decoded flows ({@link #predict(DecodedFlow)}) are turned
 * into the network's input as the model was trained ({@link MerbaModel#inputCentring()}: centred on their
 * zero-motion level or not); float arrays and tensors are the network's input itself, (C_in, S, S) float32
 * samples as {@code DecodedFlow.input(predictor.inputCentring())} gives them.
 */
public final class Predictor implements AutoCloseable {
    private final MerbaModel model;
    private final boolean ownsModel;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;
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

    public ModelConfig config() {
        return model.config();
    }

    public LabelScheme labels() {
        return model.labels();
    }

    /** How decoded flows become the network's input, as the model was trained. */
    public InputCentring inputCentring() {
        return model.inputCentring();
    }

    /** One sample, (C_in, S, S) row-major: C_in·S·S floats. */
    public Prediction predict(float[] sample) {
        return predict(sample, 1).get(0);
    }

    /** {@code batch} samples in (B, C_in, S, S) row-major order. */
    public List<Prediction> predict(float[] samples, int batch) {
        return guarded(() -> model.predict(samples, batch, allowNonFinite));
    }

    /** One sample as [channel][row][column]. */
    public Prediction predict(float[][][] sample) {
        return guarded(() -> model.predict(sample, allowNonFinite));
    }

    /** A batch tensor (B, C_in, S, S) float32 on the model's device; the caller keeps the tensor. */
    public List<Prediction> predict(Tensor batch) {
        return guarded(() -> model.predict(batch, allowNonFinite));
    }

    /** A flow file as the dataset reads it (PNG/JPEG flow image or .npy); see {@link FlowDecoder}. */
    public Prediction predict(Path flowFile) {
        return predict(decode(flowFile));
    }

    /** A decoded flow, made into the network's input as the model was trained. */
    public Prediction predict(DecodedFlow flow) {
        Objects.requireNonNull(flow, "flow");
        return predict(flow.input(model.inputCentring()));
    }

    /** Several flow files, predicted in batches of {@code batchSize}; results in the files' order. */
    public List<Prediction> predictFiles(List<Path> flowFiles, int batchSize) {
        Objects.requireNonNull(flowFiles, "flowFiles");
        return predictAll(flowFiles.size(), i -> decode(flowFiles.get(i)), batchSize);
    }

    /** Several samples, each (C_in, S, S) row-major, predicted in batches of {@code batchSize}; results in order. */
    public List<Prediction> predictSamples(List<float[]> samples, int batchSize) {
        Objects.requireNonNull(samples, "samples");
        return predictAll(samples.size(), samples::get, batchSize);
    }

    private List<Prediction> predictAll(int count, IntFunction<float[]> sample, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        int perSample = perSample();
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
            predictions.addAll(predict(batch, n));
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

    /** The network's input for a flow file. */
    private float[] decode(Path flowFile) {
        return FlowDecoder.read(flowFile, model.config().inChannels(), model.config().inputSize())
                .input(model.inputCentring());
    }

    private int perSample() {
        return model.config().inChannels() * model.config().inputSize() * model.config().inputSize();
    }

    private <T> T guarded(java.util.function.Supplier<T> call) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("this Predictor has been closed");
            }
            return call.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }
}
