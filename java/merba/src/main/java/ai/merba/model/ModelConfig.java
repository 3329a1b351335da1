package ai.merba.model;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a MERba network: everything needed to build it and nothing learned. Immutable; made with
 * {@link #builder()}, {@link #preset(String)} or {@link #fromJson(String)}, and validated when made, so a bad
 * config fails here, with a message naming its JSON field, before anything reaches the native core.
 *
 * <p>The JSON form (docs/model-config.md) is an interface: checkpoints store it and the native side reads
 * it. Keys are snake_case; missing keys take the {@code composite-28} defaults; unknown keys are errors.
 */
public final class ModelConfig {
    static final String IN_CHANNELS = "in_channels";
    static final String INPUT_SIZE = "input_size";
    static final String STEM_STRIDES = "stem_strides";
    static final String DIMS = "dims";
    static final String DEPTHS = "depths";
    static final String WINDOW_SIZES = "window_sizes";
    static final String HEADS = "heads";
    static final String SCANS = "scans";
    static final String INTER_WINDOW_ATTENTION = "inter_window_attention";
    static final String DGCM = "dgcm";
    static final String MLP_RATIO = "mlp_ratio";
    static final String D_STATE = "d_state";
    static final String D_CONV = "d_conv";
    static final String DROPOUT = "dropout";
    static final String DROP_PATH = "drop_path";
    static final String HEAD_GRID = "head_grid";

    /** The JSON keys in the order the doc and {@link #toJson()} write them. */
    static final List<String> KEYS = List.of(IN_CHANNELS, INPUT_SIZE, STEM_STRIDES, DIMS, DEPTHS, WINDOW_SIZES,
            HEADS, SCANS, INTER_WINDOW_ATTENTION, DGCM, MLP_RATIO, D_STATE, D_CONV, DROPOUT, DROP_PATH, HEAD_GRID);

    /** The keys that the native side reads besides the config's: the label scheme reduced to the network. */
    static final String NUM_COARSE = "num_coarse";
    static final String FINE_TO_COARSE = "fine_to_coarse";

    private static final String COMPOSITE_28 = "composite-28";
    private static final String PAPER_224 = "paper-224";
    private static final List<String> PRESET_NAMES = List.of(COMPOSITE_28, PAPER_224);
    private static final int MAX_D_STATE = 256;

    private final int inChannels;
    private final int inputSize;
    private final List<Integer> stemStrides;
    private final List<Integer> dims;
    private final List<Integer> depths;
    private final List<Integer> windowSizes;
    private final List<Integer> heads;
    private final List<ScanOrder> scans;
    private final boolean interWindowAttention;
    private final DgcmMode dgcm;
    private final double mlpRatio;
    private final int dState;
    private final int dConv;
    private final double dropout;
    private final double dropPath;
    private final int headGrid;

    private ModelConfig(Builder b) {
        validate(b);
        this.inChannels = b.inChannels;
        this.inputSize = b.inputSize;
        this.stemStrides = List.copyOf(b.stemStrides);
        this.dims = List.copyOf(b.dims);
        this.depths = List.copyOf(b.depths);
        this.windowSizes = List.copyOf(b.windowSizes);
        this.heads = List.copyOf(b.heads);
        this.scans = List.copyOf(b.scans);
        this.interWindowAttention = b.interWindowAttention;
        this.dgcm = b.dgcm;
        // + 0.0 turns -0.0 into 0.0, so that equal settings compare equal.
        this.mlpRatio = b.mlpRatio + 0.0;
        this.dState = b.dState;
        this.dConv = b.dConv;
        this.dropout = b.dropout + 0.0;
        this.dropPath = b.dropPath + 0.0;
        this.headGrid = b.headGrid;
    }

    /** A builder holding the {@code composite-28} defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's settings, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.inChannels = inChannels;
        b.inputSize = inputSize;
        b.stemStrides = stemStrides;
        b.dims = dims;
        b.depths = depths;
        b.windowSizes = windowSizes;
        b.heads = heads;
        b.scans = scans;
        b.interWindowAttention = interWindowAttention;
        b.dgcm = dgcm;
        b.mlpRatio = mlpRatio;
        b.dState = dState;
        b.dConv = dConv;
        b.dropout = dropout;
        b.dropPath = dropPath;
        b.headGrid = headGrid;
        return b;
    }

    /**
     * A named preset (spec §4): {@code composite-28} (28×28 MEGC composite flows, CPU-sized) or
     * {@code paper-224} (full-resolution flows, the paper's widths).
     *
     * @throws IllegalArgumentException for any other name; the message lists the known ones
     */
    public static ModelConfig preset(String name) {
        if (COMPOSITE_28.equals(name)) {
            return builder().build();
        }
        if (PAPER_224.equals(name)) {
            return builder()
                    .optInputSize(224)
                    .optStemStrides(2, 2)
                    .optDims(64, 128, 256, 512)
                    .optDepths(1, 2, 4, 2)
                    .optWindowSizes(7, 7, 7, 7)
                    .optHeads(2, 4, 8, 16)
                    .build();
        }
        throw new IllegalArgumentException(
                "unknown model preset '" + name + "'; known presets: " + String.join(", ", PRESET_NAMES));
    }

    /** The names {@link #preset(String)} knows. */
    public static List<String> presetNames() {
        return PRESET_NAMES;
    }

    /** Input channels C_in (u, v, strain). */
    public int inChannels() {
        return inChannels;
    }

    /** Input height = width in pixels; the model accepts exactly this size (its position embeddings fix it). */
    public int inputSize() {
        return inputSize;
    }

    /** Strides s1, s2 of the two stem convolutions. */
    public List<Integer> stemStrides() {
        return stemStrides;
    }

    /** Channels C_i of each stage. */
    public List<Integer> dims() {
        return dims;
    }

    /** Local Extractor blocks per stage. */
    public List<Integer> depths() {
        return depths;
    }

    /** Window side ws_i per stage. */
    public List<Integer> windowSizes() {
        return windowSizes;
    }

    /** Inter-window attention heads per stage. */
    public List<Integer> heads() {
        return heads;
    }

    /** Scan orders of the asymmetric multi-scanning; position k is mixer {@code mixers.k}. */
    public List<ScanOrder> scans() {
        return scans;
    }

    /** Whether each stage ends with inter-window attention. */
    public boolean interWindowAttention() {
        return interWindowAttention;
    }

    /** The classification head. */
    public DgcmMode dgcm() {
        return dgcm;
    }

    /** MLP hidden width / C; hidden = round(C · ratio). */
    public double mlpRatio() {
        return mlpRatio;
    }

    /** State size N of the selective scan. */
    public int dState() {
        return dState;
    }

    /** Kernel of the mixer's depthwise convolutions (odd, so padding keeps the length). */
    public int dConv() {
        return dConv;
    }

    /** Dropout before the head. */
    public double dropout() {
        return dropout;
    }

    /** Stochastic depth rate of the last Local Extractor block (earlier blocks get linearly less). */
    public double dropPath() {
        return dropPath;
    }

    /**
     * The side g of the grid the head reads: the final feature map is average-pooled to g × g cells and
     * flattened channel-major, so the head sees C_last · g² features. 1 (the default) is spec §2's global
     * average pooling; larger keeps where on the face the motion is (docs/model-config.md).
     */
    public int headGrid() {
        return headGrid;
    }

    /** The number of features the head reads: C_last · {@link #headGrid()}². */
    public long headFeatures() {
        return (long) dims.get(dims.size() - 1) * headGrid * headGrid;
    }

    /** The number of stages S. */
    public int numStages() {
        return dims.size();
    }

    /**
     * The feature-map side H_i entering stage {@code stage}, before padding: the stem gives
     * ceil(ceil(input_size / s1) / s2), and each downsample halves it (rounding up).
     *
     * @throws IndexOutOfBoundsException unless 0 ≤ stage &lt; {@link #numStages()}
     */
    public int stageResolution(int stage) {
        Objects.checkIndex(stage, numStages());
        return stageResolution(inputSize, stemStrides, stage);
    }

    private static int stageResolution(int inputSize, List<Integer> stemStrides, int stage) {
        int h = ceilDiv(ceilDiv(inputSize, stemStrides.get(0)), stemStrides.get(1));
        for (int i = 0; i < stage; i++) {
            h = ceilDiv(h, 2);
        }
        return h;
    }

    /** H_i padded (right/bottom) to a multiple of the stage's window size. */
    public int paddedStageResolution(int stage) {
        return Math.multiplyExact(windowsPerSide(stage), windowSizes.get(stage));
    }

    /** The number of windows nWin_i = ceil(H_i / ws_i)² of stage {@code stage}. */
    public int numWindows(int stage) {
        int n = windowsPerSide(stage);
        return Math.multiplyExact(n, n);
    }

    private int windowsPerSide(int stage) {
        return ceilDiv(stageResolution(stage), windowSizes.get(stage));
    }

    /** Ceiling division of positive ints, without the overflow of (a + b - 1) / b. */
    private static int ceilDiv(int a, int b) {
        return (a - 1) / b + 1;
    }

    /** Reads a config; missing keys take the {@code composite-28} defaults. */
    public static ModelConfig fromJson(String json) {
        ObjectNode object = JsonFields.parseObject(json, "model config");
        JsonFields.rejectUnknownKeys(object, KEYS, "");
        Builder b = builder();
        JsonNode n;
        if ((n = object.get(IN_CHANNELS)) != null) {
            b.optInChannels(JsonFields.intValue(n, IN_CHANNELS));
        }
        if ((n = object.get(INPUT_SIZE)) != null) {
            b.optInputSize(JsonFields.intValue(n, INPUT_SIZE));
        }
        if ((n = object.get(STEM_STRIDES)) != null) {
            b.optStemStrides(JsonFields.intList(n, STEM_STRIDES));
        }
        if ((n = object.get(DIMS)) != null) {
            b.optDims(JsonFields.intList(n, DIMS));
        }
        if ((n = object.get(DEPTHS)) != null) {
            b.optDepths(JsonFields.intList(n, DEPTHS));
        }
        if ((n = object.get(WINDOW_SIZES)) != null) {
            b.optWindowSizes(JsonFields.intList(n, WINDOW_SIZES));
        }
        if ((n = object.get(HEADS)) != null) {
            b.optHeads(JsonFields.intList(n, HEADS));
        }
        if ((n = object.get(SCANS)) != null) {
            JsonNode items = JsonFields.array(n, SCANS);
            List<ScanOrder> scans = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                String field = SCANS + "[" + i + "]";
                String token = JsonFields.textValue(items.get(i), field);
                scans.add(ScanOrder.find(token).orElseThrow(() -> new IllegalArgumentException(
                        field + " = '" + token + "' is not a scan order; known: " + ScanOrder.knownTokens())));
            }
            b.optScans(scans);
        }
        if ((n = object.get(INTER_WINDOW_ATTENTION)) != null) {
            b.optInterWindowAttention(JsonFields.booleanValue(n, INTER_WINDOW_ATTENTION));
        }
        if ((n = object.get(DGCM)) != null) {
            String token = JsonFields.textValue(n, DGCM);
            b.optDgcm(DgcmMode.find(token).orElseThrow(() -> new IllegalArgumentException(
                    DGCM + " = '" + token + "' is not a dgcm mode; known: " + DgcmMode.knownTokens())));
        }
        if ((n = object.get(MLP_RATIO)) != null) {
            b.optMlpRatio(JsonFields.doubleValue(n, MLP_RATIO));
        }
        if ((n = object.get(D_STATE)) != null) {
            b.optDState(JsonFields.intValue(n, D_STATE));
        }
        if ((n = object.get(D_CONV)) != null) {
            b.optDConv(JsonFields.intValue(n, D_CONV));
        }
        if ((n = object.get(DROPOUT)) != null) {
            b.optDropout(JsonFields.doubleValue(n, DROPOUT));
        }
        if ((n = object.get(DROP_PATH)) != null) {
            b.optDropPath(JsonFields.doubleValue(n, DROP_PATH));
        }
        if ((n = object.get(HEAD_GRID)) != null) {
            b.optHeadGrid(JsonFields.intValue(n, HEAD_GRID));
        }
        return b.build();
    }

    /**
     * Reads a config file (UTF-8).
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if its content is not a valid config; the message starts with the path
     */
    public static ModelConfig fromJson(Path path) throws IOException {
        return JsonFields.readFile(path, ModelConfig::fromJson);
    }

    /**
     * This config as compact JSON, in the doc's order, every key present but {@code head_grid} at its default 1:
     * the spec's network is described as before, so readers older than that key accept it.
     */
    public String toJson() {
        return JsonFields.write(toObjectNode());
    }

    /**
     * The one JSON object the native core is built from: every config key plus the label scheme reduced to
     * what the network needs, {@code num_coarse} and {@code fine_to_coarse} (whose length is K_fine).
     */
    public String toNativeJson(LabelScheme labels) {
        Objects.requireNonNull(labels, "labels");
        ObjectNode node = toObjectNode();
        node.put(NUM_COARSE, labels.numCoarse());
        ArrayNode fineToCoarse = node.putArray(FINE_TO_COARSE);
        for (int c : labels.fineToCoarse()) {
            fineToCoarse.add(c);
        }
        return JsonFields.write(node);
    }

    private ObjectNode toObjectNode() {
        ObjectNode node = JsonFields.MAPPER.createObjectNode();
        node.put(IN_CHANNELS, inChannels);
        node.put(INPUT_SIZE, inputSize);
        putInts(node, STEM_STRIDES, stemStrides);
        putInts(node, DIMS, dims);
        putInts(node, DEPTHS, depths);
        putInts(node, WINDOW_SIZES, windowSizes);
        putInts(node, HEADS, heads);
        ArrayNode scanArray = node.putArray(SCANS);
        for (ScanOrder s : scans) {
            scanArray.add(s.token());
        }
        node.put(INTER_WINDOW_ATTENTION, interWindowAttention);
        node.put(DGCM, dgcm.token());
        node.put(MLP_RATIO, mlpRatio);
        node.put(D_STATE, dState);
        node.put(D_CONV, dConv);
        node.put(DROPOUT, dropout);
        node.put(DROP_PATH, dropPath);
        if (headGrid != 1) {
            node.put(HEAD_GRID, headGrid);
        }
        return node;
    }

    private static void putInts(ObjectNode node, String key, List<Integer> values) {
        ArrayNode array = node.putArray(key);
        for (int v : values) {
            array.add(v);
        }
    }

    // ---- validation: the rules and bounds of docs/model-config.md, in its key order. The native ModelConfig
    // checks the same bounds (native/model/model_config.h) and, beyond them, the whole network's parameter and
    // activation budgets; test-data/model-config/invalid holds the cases both must refuse. ----

    static final int MAX_IN_CHANNELS = 16;
    static final int MAX_INPUT_SIZE = 1024;
    static final int MAX_STEM_STRIDE = 8;
    static final int MAX_STAGES = 8;
    static final int MAX_DIM = 2048;
    static final int MAX_DEPTH = 64;
    static final int MAX_WINDOW_SIZE = 64;
    static final int MAX_HEADS = 64;
    static final double MAX_MLP_RATIO = 16;
    static final int MAX_D_CONV = 31;

    private static void validate(Builder b) {
        checkInRange(b.inChannels, IN_CHANNELS, 1, MAX_IN_CHANNELS);
        checkInRange(b.inputSize, INPUT_SIZE, 1, MAX_INPUT_SIZE);

        checkNoNulls(b.stemStrides, STEM_STRIDES);
        checkArgument(b.stemStrides.size() == 2, "%s must have 2 entries (s1, s2), got %s", STEM_STRIDES,
                b.stemStrides.size());
        for (int i = 0; i < 2; i++) {
            checkInRange(b.stemStrides.get(i), STEM_STRIDES + "[" + i + "]", 1, MAX_STEM_STRIDE);
        }

        checkNoNulls(b.dims, DIMS);
        checkArgument(!b.dims.isEmpty(), "%s must not be empty", DIMS);
        int stages = b.dims.size();
        checkArgument(stages <= MAX_STAGES, "%s has %s stages, at most %s are allowed", DIMS, stages, MAX_STAGES);
        for (int i = 0; i < stages; i++) {
            int c = b.dims.get(i);
            checkInRange(c, DIMS + "[" + i + "]", 2, MAX_DIM);
            checkArgument(c % 2 == 0, "%s[%s] = %s must be even (the mixer splits channels in halves)", DIMS, i, c);
        }

        checkStageList(b.depths, DEPTHS, stages, MAX_DEPTH);
        checkStageList(b.windowSizes, WINDOW_SIZES, stages, MAX_WINDOW_SIZE);
        checkStageList(b.heads, HEADS, stages, MAX_HEADS);
        for (int i = 0; i < stages; i++) {
            int h = b.heads.get(i);
            int c = b.dims.get(i);
            checkArgument(c % h == 0, "%s[%s] = %s does not divide %s[%s] = %s", HEADS, i, h, DIMS, i, c);
        }

        checkNoNulls(b.scans, SCANS);
        checkArgument(!b.scans.isEmpty(), "%s must not be empty", SCANS);
        for (int i = 0; i < b.scans.size(); i++) {
            int first = b.scans.indexOf(b.scans.get(i));
            checkArgument(first == i, "%s[%s] = '%s' repeats %s[%s]", SCANS, i, b.scans.get(i).token(), SCANS, first);
        }

        checkArgument(b.dgcm != null, "%s must not be null", DGCM);
        checkArgument(b.mlpRatio > 0 && b.mlpRatio <= MAX_MLP_RATIO, "%s = %s must be in (0, %s]", MLP_RATIO,
                b.mlpRatio, MAX_MLP_RATIO);
        checkInRange(b.dState, D_STATE, 1, MAX_D_STATE);
        checkInRange(b.dConv, D_CONV, 1, MAX_D_CONV);
        checkArgument(b.dConv % 2 == 1, "%s = %s must be odd (so the convolution keeps the length)", D_CONV, b.dConv);
        checkProbability(b.dropout, DROPOUT);
        checkProbability(b.dropPath, DROP_PATH);
        checkInRange(b.headGrid, HEAD_GRID, 1, stageResolution(b.inputSize, b.stemStrides, stages - 1));
    }

    private static void checkInRange(int value, String field, int min, int max) {
        checkArgument(value >= min && value <= max, "%s = %s must be in %s..%s", field, value, min, max);
    }

    private static void checkStageList(List<Integer> values, String field, int stages, int max) {
        checkNoNulls(values, field);
        checkArgument(values.size() == stages, "%s has %s entries but %s has %s", field, values.size(), DIMS, stages);
        for (int i = 0; i < stages; i++) {
            checkInRange(values.get(i), field + "[" + i + "]", 1, max);
        }
    }

    private static void checkNoNulls(List<?> values, String field) {
        checkArgument(values != null, "%s must not be null", field);
        for (int i = 0; i < values.size(); i++) {
            checkArgument(values.get(i) != null, "%s[%s] must not be null", field, i);
        }
    }

    private static void checkProbability(double p, String field) {
        checkArgument(p >= 0 && p < 1, "%s = %s must be in [0, 1)", field, p);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelConfig)) {
            return false;
        }
        ModelConfig c = (ModelConfig) o;
        return inChannels == c.inChannels
                && inputSize == c.inputSize
                && stemStrides.equals(c.stemStrides)
                && dims.equals(c.dims)
                && depths.equals(c.depths)
                && windowSizes.equals(c.windowSizes)
                && heads.equals(c.heads)
                && scans.equals(c.scans)
                && interWindowAttention == c.interWindowAttention
                && dgcm == c.dgcm
                && Double.compare(mlpRatio, c.mlpRatio) == 0
                && dState == c.dState
                && dConv == c.dConv
                && Double.compare(dropout, c.dropout) == 0
                && Double.compare(dropPath, c.dropPath) == 0
                && headGrid == c.headGrid;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inChannels, inputSize, stemStrides, dims, depths, windowSizes, heads, scans,
                interWindowAttention, dgcm, mlpRatio, dState, dConv, dropout, dropPath, headGrid);
    }

    /** The JSON form, which names every setting. */
    @Override
    public String toString() {
        return "ModelConfig" + toJson();
    }

    /**
     * Builder in DJL's style: every setting is optional ({@code opt…}) and starts at the
     * {@code composite-28} default. Nothing is checked until {@link #build()}, so settings that depend on
     * each other (the per-stage lists) can be changed in any order.
     */
    public static final class Builder {
        private int inChannels = 3;
        private int inputSize = 28;
        private List<Integer> stemStrides = List.of(1, 1);
        private List<Integer> dims = List.of(32, 64, 128);
        private List<Integer> depths = List.of(1, 1, 1);
        private List<Integer> windowSizes = List.of(7, 7, 7);
        private List<Integer> heads = List.of(1, 2, 4);
        private List<ScanOrder> scans = List.of(ScanOrder.H_PLUS, ScanOrder.V_MINUS);
        private boolean interWindowAttention = true;
        private DgcmMode dgcm = DgcmMode.HARD;
        private double mlpRatio = 4.0;
        private int dState = 8;
        private int dConv = 3;
        private double dropout = 0.0;
        private double dropPath = 0.1;
        private int headGrid = 1;

        private Builder() {}

        /** Input channels C_in. Default 3 (u, v, strain). */
        public Builder optInChannels(int inChannels) {
            this.inChannels = inChannels;
            return this;
        }

        /** Input height = width in pixels. Default 28. */
        public Builder optInputSize(int inputSize) {
            this.inputSize = inputSize;
            return this;
        }

        /** Strides of the two stem convolutions. Default 1, 1. */
        public Builder optStemStrides(int s1, int s2) {
            this.stemStrides = List.of(s1, s2);
            return this;
        }

        /** Strides of the stem convolutions, as read from JSON (exactly two are valid). */
        public Builder optStemStrides(List<Integer> stemStrides) {
            this.stemStrides = copy(stemStrides);
            return this;
        }

        /** Channels per stage; sets the number of stages S. Default 32, 64, 128. */
        public Builder optDims(int... dims) {
            this.dims = copy(dims);
            return this;
        }

        /** Channels per stage; sets the number of stages S. */
        public Builder optDims(List<Integer> dims) {
            this.dims = copy(dims);
            return this;
        }

        /** Local Extractor blocks per stage (S values). Default 1, 1, 1. */
        public Builder optDepths(int... depths) {
            this.depths = copy(depths);
            return this;
        }

        /** Local Extractor blocks per stage (S values). */
        public Builder optDepths(List<Integer> depths) {
            this.depths = copy(depths);
            return this;
        }

        /** Window side per stage (S values). Default 7, 7, 7. */
        public Builder optWindowSizes(int... windowSizes) {
            this.windowSizes = copy(windowSizes);
            return this;
        }

        /** Window side per stage (S values). */
        public Builder optWindowSizes(List<Integer> windowSizes) {
            this.windowSizes = copy(windowSizes);
            return this;
        }

        /** Inter-window attention heads per stage (S values, each dividing the stage's dims). Default 1, 2, 4. */
        public Builder optHeads(int... heads) {
            this.heads = copy(heads);
            return this;
        }

        /** Inter-window attention heads per stage (S values, each dividing the stage's dims). */
        public Builder optHeads(List<Integer> heads) {
            this.heads = copy(heads);
            return this;
        }

        /** Scan orders, no repeats; their order numbers the mixers. Default h+, v-. */
        public Builder optScans(ScanOrder... scans) {
            this.scans = scans == null ? null : copy(Arrays.asList(scans));
            return this;
        }

        /** Scan orders, no repeats; their order numbers the mixers. */
        public Builder optScans(List<ScanOrder> scans) {
            this.scans = copy(scans);
            return this;
        }

        /** Inter-window attention after each stage. Default on. */
        public Builder optInterWindowAttention(boolean interWindowAttention) {
            this.interWindowAttention = interWindowAttention;
            return this;
        }

        /** The classification head. Default {@link DgcmMode#HARD}. */
        public Builder optDgcm(DgcmMode dgcm) {
            this.dgcm = dgcm;
            return this;
        }

        /** MLP hidden width / C, &gt; 0. Default 4. */
        public Builder optMlpRatio(double mlpRatio) {
            this.mlpRatio = mlpRatio;
            return this;
        }

        /** State size N of the selective scan, 1…256. Default 8. */
        public Builder optDState(int dState) {
            this.dState = dState;
            return this;
        }

        /** Kernel of the mixer's depthwise convolutions, odd. Default 3. */
        public Builder optDConv(int dConv) {
            this.dConv = dConv;
            return this;
        }

        /** Dropout before the head, in [0, 1). Default 0. */
        public Builder optDropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        /** Stochastic depth rate of the last block, in [0, 1). Default 0.1. */
        public Builder optDropPath(double dropPath) {
            this.dropPath = dropPath;
            return this;
        }

        /**
         * The side of the grid the head reads, 1 up to the final feature map's side ({@link #headGrid()}).
         * Default 1: global average pooling.
         */
        public Builder optHeadGrid(int headGrid) {
            this.headGrid = headGrid;
            return this;
        }

        /**
         * Checks every rule of docs/model-config.md and makes the config.
         *
         * @throws IllegalArgumentException naming the first offending JSON field
         */
        public ModelConfig build() {
            return new ModelConfig(this);
        }

        private static List<Integer> copy(int[] values) {
            if (values == null) {
                return null;
            }
            List<Integer> out = new ArrayList<>(values.length);
            for (int v : values) {
                out.add(v);
            }
            return Collections.unmodifiableList(out);
        }

        /** A private copy that may hold nulls, so build() can name them rather than fail here. */
        private static <T> List<T> copy(List<T> values) {
            return values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
        }
    }
}
