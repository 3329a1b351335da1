package ai.merba.model;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.NativeCalls;
import ai.merba.presets.NativeModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A MERba network in native memory: built from a {@link ModelConfig} and a {@link LabelScheme}, run by the C++
 * core. {@link #close()} frees it. Prediction in eval mode may run on several threads at once (the
 * {@link ai.merba.inference.Predictor} does so); everything that changes the model — training, {@code train()} /
 * {@code eval()}, moving it, closing it — must not overlap with any other call.
 *
 * <pre>{@code
 * try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), LabelScheme.builtIn("megc-3"), 42)) {
 *     model.eval();
 *     List<Prediction> predictions = model.predict(flows, 1);   // flows: float[3 * 28 * 28]
 * }
 * }</pre>
 *
 * <p>Inputs are float32 (B, C_in, S, S) with S = {@code config.inputSize()}: optical flow u, v and strain as
 * the network takes them — for a decoded flow file, {@code DecodedFlow.input(model.inputCentring())} (the
 * {@link ai.merba.inference.Predictor} does this for files). Anything else — wrong rank, channels, size or
 * dtype — throws {@link IllegalArgumentException} with the native message.
 */
public final class MerbaModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelConfig config;
    private final LabelScheme labels;
    private volatile InputCentring inputCentring = InputCentring.NONE;
    private volatile boolean testTimeFlip;
    private NativeModel handle;

    private MerbaModel(ModelConfig config, LabelScheme labels, NativeModel handle) {
        this.config = config;
        this.labels = labels;
        this.handle = handle;
    }

    /**
     * Builds a network with freshly initialised parameters (spec §2's initialisation, from {@code seed} alone:
     * the same seed gives the same weights). Starts in training mode, on the CPU.
     */
    public static MerbaModel create(ModelConfig config, LabelScheme labels, long seed) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(labels, "labels");
        String spec = config.toNativeJson(labels);
        NativeModel handle = NativeCalls.call(() -> new NativeModel(spec, seed));
        return new MerbaModel(config, labels, handle);
    }

    /**
     * Builds a network whose weights are about to be replaced (by a checkpoint): it skips spec §2's
     * initialisation, leaving LibTorch's default one, which is cheaper. Use {@link #create} for training.
     */
    public static MerbaModel createForLoading(ModelConfig config, LabelScheme labels) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(labels, "labels");
        String spec = config.toNativeJson(labels);
        NativeModel handle = NativeCalls.call(() -> new NativeModel(spec));
        return new MerbaModel(config, labels, handle);
    }

    public ModelConfig config() {
        return config;
    }

    public LabelScheme labels() {
        return labels;
    }

    /**
     * How decoded flows become this network's input (spec §5): set by the {@link ai.merba.train.Trainer} to its
     * config's centring when it fits the model, stored in checkpoints and restored by loading; {@code NONE} for a
     * new model.
     */
    public InputCentring inputCentring() {
        return inputCentring;
    }

    /**
     * Declares how this network's inputs are made from decoded flows (the Trainer and checkpoint loading do).
     * {@code NONE} also turns test-time flipping off, which needs centred inputs.
     */
    public void setInputCentring(InputCentring centring) {
        this.inputCentring = Objects.requireNonNull(centring, "centring");
        if (!centring.centred()) {
            testTimeFlip = false;  // it needs centred inputs
        }
    }

    /**
     * Whether predictions average the logits of each sample and its mirror image (test-time flipping): set by the
     * {@link ai.merba.train.Trainer} from its config's {@code test_time_flip}, stored in checkpoints and restored by
     * loading; off for a new model. A sample and its mirror image then get the same prediction, as a face and its
     * mirror show the same expression.
     */
    public boolean testTimeFlip() {
        return testTimeFlip;
    }

    /**
     * Turns test-time flipping on or off (the Trainer and checkpoint loading do).
     *
     * @throws IllegalStateException when turning it on for a model whose inputs are not centred: the mirror image
     *     of a flow negates its horizontal motion, which only a centred input (zero motion at 0) allows
     */
    public void setTestTimeFlip(boolean on) {
        if (on && !inputCentring.centred()) {
            throw new IllegalStateException("test-time flipping needs centred inputs (input_centring zero_level or "
                    + "zero_level_scaled): the mirror image negates the horizontal motion about its zero level, which "
                    + "is 0 only when centred");
        }
        this.testTimeFlip = on;
    }

    /** Logits of both heads for (B, C_in, S, S) float32 input; differentiable in training. */
    public ModelOutput forward(Tensor input) {
        Objects.requireNonNull(input, "input");
        try (TensorVector out = NativeCalls.call(() -> open().forward(input))) {
            return new ModelOutput(definedOrNull(out.get(0)), definedOrNull(out.get(1)));
        }
    }

    /**
     * Predictions for a batch (B, C_in, S, S), with inference semantics whatever the mode (running BatchNorm
     * statistics, no dropout, no autograd). Hard DGCM picks the coarse group first and the fine class within it;
     * soft picks the fine class of largest joint probability; see {@link Prediction}.
     *
     * @throws IllegalArgumentException for an empty batch, a wrong shape or dtype, or a sample holding NaN or ±Inf
     *     (naming the first such sample)
     */
    public List<Prediction> predict(Tensor input) {
        return predict(input, false);
    }

    /**
     * As {@link #predict(Tensor)}; with {@code allowNonFinite} samples holding NaN or ±Inf are predicted too
     * (their probabilities are then NaN) instead of refused.
     */
    public List<Prediction> predict(Tensor input, boolean allowNonFinite) {
        Objects.requireNonNull(input, "input");
        boolean flip = testTimeFlip;
        try (TensorVector out = NativeCalls.call(() -> open().predict(input, allowNonFinite, flip))) {
            double[] coarse = doubles(out.get(0));
            double[] fine = doubles(out.get(1));
            long[] coarseIndex = longs(out.get(2));
            long[] fineIndex = longs(out.get(3));
            int kc = labels.numCoarse(), kf = labels.numFine();
            List<Prediction> predictions = new ArrayList<>(coarseIndex.length);
            for (int b = 0; b < coarseIndex.length; b++) {
                double[] pc = Arrays.copyOfRange(coarse, b * kc, (b + 1) * kc);
                double[] pf = Arrays.copyOfRange(fine, b * kf, (b + 1) * kf);
                int c = (int) coarseIndex[b], f = (int) fineIndex[b];
                predictions.add(new Prediction(c, labels.coarseGroups().get(c), pc[c], f,
                        labels.classes().get(f).name(), pf[f], pc, pf));
            }
            return predictions;
        }
    }

    /**
     * Predictions for {@code batch} samples given as one float array in (B, C_in, S, S) row-major order (the
     * layout of a PyTorch tensor or a stack of CHW images).
     */
    public List<Prediction> predict(float[] samples, int batch) {
        return predict(samples, batch, false);
    }

    /** As {@link #predict(float[], int)}, accepting non-finite samples when {@code allowNonFinite}. */
    public List<Prediction> predict(float[] samples, int batch, boolean allowNonFinite) {
        Objects.requireNonNull(samples, "samples");
        long perSample = (long) config.inChannels() * config.inputSize() * config.inputSize();
        checkArgument(batch >= 1 && samples.length == batch * perSample,
                "samples must hold batch × %s × %s × %s = %s floats for batch = %s, got %s", config.inChannels(),
                config.inputSize(), config.inputSize(), (batch * perSample), batch, samples.length);
        try (Tensor input = torch.empty(batch, config.inChannels(), config.inputSize(), config.inputSize())) {
            input.data_ptr_float().put(samples);
            return predict(input, allowNonFinite);
        }
    }

    /** One sample as [channel][row][column]. */
    public Prediction predict(float[][][] sample) {
        return predict(sample, false);
    }

    /** As {@link #predict(float[][][])}, accepting a non-finite sample when {@code allowNonFinite}. */
    public Prediction predict(float[][][] sample, boolean allowNonFinite) {
        Objects.requireNonNull(sample, "sample");
        int c = config.inChannels(), s = config.inputSize();
        checkArgument(sample.length == c, "sample must have %s channels, got %s", c, sample.length);
        float[] flat = new float[c * s * s];
        for (int ch = 0; ch < c; ch++) {
            checkArgument(sample[ch].length == s, "sample[%s] must have %s rows, got %s", ch, s, sample[ch].length);
            for (int r = 0; r < s; r++) {
                checkArgument(sample[ch][r].length == s, "sample[%s][%s] must have %s columns, got %s",
                        ch, r, s, sample[ch][r].length);
                System.arraycopy(sample[ch][r], 0, flat, (ch * s + r) * s, s);
            }
        }
        return predict(flat, 1, allowNonFinite).get(0);
    }

    /**
     * The DGCM training loss (spec §2) for fine-class targets (B) int64: coarse cross-entropy plus the sibling
     * cross-entropy of the fine head. A scalar tensor in the autograd graph; the caller owns it.
     */
    public Tensor loss(Tensor input, Tensor fineTargets) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(fineTargets, "fineTargets");
        return NativeCalls.call(() -> open().loss(input, fineTargets));
    }

    /** Training mode: batch statistics in BatchNorm, dropout and drop path active. */
    public void train() {
        NativeCalls.call(() -> {
            open().setTraining(true);
            return null;
        });
    }

    /** Evaluation mode: running statistics, no dropout, no drop path. */
    public void eval() {
        NativeCalls.call(() -> {
            open().setTraining(false);
            return null;
        });
    }

    public boolean isTraining() {
        return open().isTraining();
    }

    /**
     * Moves parameters and buffers to {@code device} ("cpu", "cuda", "cuda:1"). A CUDA device on a build or
     * machine without CUDA throws {@link IllegalArgumentException}.
     */
    public void toDevice(String device) {
        Objects.requireNonNull(device, "device");
        NativeCalls.call(() -> {
            open().toDevice(device);
            return null;
        });
    }

    public String device() {
        return open().device();
    }

    /** Names, shapes and kinds of every parameter and buffer, in module order. */
    public List<ParameterInfo> parameters() {
        return summary().tensors();
    }

    /**
     * The live parameter and buffer tensors by name (sharing storage with the network: in-place changes
     * change the model). The caller owns the returned Tensor objects and should close them.
     */
    public Map<String, Tensor> namedTensors() {
        List<ParameterInfo> infos = parameters();
        Map<String, Tensor> result = new LinkedHashMap<>();
        try (TensorVector tensors = NativeCalls.call(() -> open().parameters())) {
            for (int i = 0; i < infos.size(); i++) {
                result.put(infos.get(i).name(), new Tensor(tensors.get(i)));
            }
        }
        return result;
    }

    public ModelSummary summary() {
        JsonNode doc;
        try {
            doc = JSON.readTree(NativeCalls.call(() -> open().summaryJson()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("native summary is not valid JSON", e);
        }
        List<ModelSummary.ModuleCost> modules = new ArrayList<>();
        for (JsonNode m : doc.get("modules")) {
            modules.add(new ModelSummary.ModuleCost(m.get("name").asText(), m.get("parameters").asLong(),
                    m.get("flops").asDouble()));
        }
        List<ParameterInfo> tensors = new ArrayList<>();
        readTensors(doc.get("parameters"), false, tensors);
        readTensors(doc.get("buffers"), true, tensors);
        return new ModelSummary(doc.get("total_parameters").asLong(), doc.get("flops_per_sample").asDouble(), modules,
                tensors);
    }

    /** Frees the native network. Idempotent; any later call throws {@link IllegalStateException}. */
    @Override
    public void close() {
        if (handle != null) {
            handle.close();
            handle = null;
        }
    }

    /** The native peer, for the other packages of this library (training); not for applications. */
    public NativeModel nativeHandle() {
        return open();
    }

    private NativeModel open() {
        if (handle == null) {
            throw new IllegalStateException("this MerbaModel has been closed");
        }
        return handle;
    }

    private static void readTensors(JsonNode list, boolean buffer, List<ParameterInfo> into) {
        for (JsonNode t : list) {
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            into.add(new ParameterInfo(t.get("name").asText(), shape, buffer));
        }
    }

    private static Tensor definedOrNull(Tensor view) {
        return view.defined() ? new Tensor(view) : null;
    }

    // The PointerScopes release the intermediate tensors (cpu(), to()) now rather than at garbage collection.
    private static double[] doubles(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor d = t.cpu().to(ScalarType.Double).contiguous();
            double[] values = new double[(int) d.numel()];
            DoublePointer p = d.data_ptr_double();
            p.get(values);
            return values;
        }
    }

    private static long[] longs(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor l = t.cpu().to(ScalarType.Long).contiguous();
            long[] values = new long[(int) l.numel()];
            LongPointer p = l.data_ptr_long();
            p.get(values);
            return values;
        }
    }
}
