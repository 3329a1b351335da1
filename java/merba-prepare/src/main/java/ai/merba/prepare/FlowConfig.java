package ai.merba.prepare;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How {@code prepare} turns an onset and an apex frame into a flow file. Immutable and validated when built;
 * made with {@link #builder()}, {@link #defaults()} or {@link #fromJson(String)}. Every JSON field is optional,
 * the defaults being:
 *
 * <pre>{@code
 * {"method": "tv-l1", "crop": "none", "face_margin": 0.1, "flow_size": 0, "output_size": 28,
 *  "format": "png", "normalise": true,
 *  "tv_l1": {"tau": 0.25, "lambda": 0.15, "theta": 0.3, "scales": 5, "warps": 5, "epsilon": 0.01,
 *            "inner_iterations": 30, "outer_iterations": 10, "scale_step": 0.8, "gamma": 0.0,
 *            "median_filtering": 5},
 *  "farneback": {"pyr_scale": 0.5, "levels": 3, "window_size": 15, "iterations": 3, "poly_n": 5,
 *                "poly_sigma": 1.2, "gaussian_window": false}}
 * }</pre>
 *
 * {@code flow_size} > 0 resizes the cropped frames to that square before the flow (0 keeps the crop's size, as
 * the published pipelines do; a smaller size is faster and, for a 28-pixel output, loses little).
 * {@code normalise} false writes raw flow (in output pixels) and strain, allowed only for {@code npy}.
 */
public final class FlowConfig {
    private static final List<String> KEYS = List.of("method", "crop", "face_margin", "flow_size", "output_size",
            "format", "normalise", "tv_l1", "farneback");
    private static final List<String> TV_L1_KEYS = List.of("tau", "lambda", "theta", "scales", "warps", "epsilon",
            "inner_iterations", "outer_iterations", "scale_step", "gamma", "median_filtering");
    private static final List<String> FARNEBACK_KEYS = List.of("pyr_scale", "levels", "window_size", "iterations",
            "poly_n", "poly_sigma", "gaussian_window");

    private final FlowMethod method;
    private final FaceCropMode crop;
    private final double faceMargin;
    private final int flowSize;
    private final int outputSize;
    private final FlowFormat format;
    private final boolean normalise;
    private final TvL1Parameters tvL1;
    private final FarnebackParameters farneback;

    private FlowConfig(Builder b) {
        method = Objects.requireNonNull(b.method, "method");
        crop = Objects.requireNonNull(b.crop, "crop");
        format = Objects.requireNonNull(b.format, "format");
        tvL1 = Objects.requireNonNull(b.tvL1, "tv_l1");
        farneback = Objects.requireNonNull(b.farneback, "farneback");
        faceMargin = b.faceMargin;
        flowSize = b.flowSize;
        outputSize = b.outputSize;
        normalise = b.normalise;
        if (!(faceMargin >= 0 && faceMargin <= 1)) {
            throw new IllegalArgumentException("face_margin = " + faceMargin + " must be in [0, 1]");
        }
        if (flowSize != 0 && flowSize < 8) {
            throw new IllegalArgumentException("flow_size = " + flowSize + " must be 0 (keep) or >= 8");
        }
        if (outputSize < 3 || outputSize > 4096) {
            throw new IllegalArgumentException("output_size = " + outputSize + " must be in [3, 4096]");
        }
        if (!normalise && format == FlowFormat.PNG) {
            throw new IllegalArgumentException("normalise = false needs format npy: PNG holds 0–255 only");
        }
    }

    public static FlowConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        return new Builder().optMethod(method).optCrop(crop).optFaceMargin(faceMargin).optFlowSize(flowSize)
                .optOutputSize(outputSize).optFormat(format).optNormalise(normalise).optTvL1(tvL1)
                .optFarneback(farneback);
    }

    public FlowMethod method() {
        return method;
    }

    public FaceCropMode crop() {
        return crop;
    }

    /** Fraction of a detected face box's size added on every side (detected boxes are tight around the face). */
    public double faceMargin() {
        return faceMargin;
    }

    /** Side the cropped frames are resized to before the flow; 0 keeps their size. */
    public int flowSize() {
        return flowSize;
    }

    /** Side of the written flow images (the model's input size). */
    public int outputSize() {
        return outputSize;
    }

    public FlowFormat format() {
        return format;
    }

    /** Whether each channel is min-max normalised per sample (always for PNG). */
    public boolean normalise() {
        return normalise;
    }

    public TvL1Parameters tvL1() {
        return tvL1;
    }

    public FarnebackParameters farneback() {
        return farneback;
    }

    /**
     * Reads a config; absent fields keep their defaults.
     *
     * @throws IllegalArgumentException naming the JSON field that is wrong
     */
    public static FlowConfig fromJson(String json) {
        ObjectNode o = JsonFields.parseObject(json, "flow config");
        JsonFields.rejectUnknownKeys(o, KEYS, "");
        Builder b = builder();
        if (o.has("method")) {
            b.optMethod(FlowMethod.parse(JsonFields.textValue(o.get("method"), "method")));
        }
        if (o.has("crop")) {
            b.optCrop(FaceCropMode.parse(JsonFields.textValue(o.get("crop"), "crop")));
        }
        if (o.has("face_margin")) {
            b.optFaceMargin(JsonFields.doubleValue(o.get("face_margin"), "face_margin"));
        }
        if (o.has("flow_size")) {
            b.optFlowSize(JsonFields.intValue(o.get("flow_size"), "flow_size"));
        }
        if (o.has("output_size")) {
            b.optOutputSize(JsonFields.intValue(o.get("output_size"), "output_size"));
        }
        if (o.has("format")) {
            b.optFormat(FlowFormat.parse(JsonFields.textValue(o.get("format"), "format")));
        }
        if (o.has("normalise")) {
            b.optNormalise(JsonFields.booleanValue(o.get("normalise"), "normalise"));
        }
        if (o.has("tv_l1")) {
            b.optTvL1(tvL1(o.get("tv_l1")));
        }
        if (o.has("farneback")) {
            b.optFarneback(farneback(o.get("farneback")));
        }
        return b.build();
    }

    /** Reads a config file (UTF-8); problems are reported with its path in front. */
    public static FlowConfig fromJson(Path path) throws IOException {
        return JsonFields.readFile(path, FlowConfig::fromJson);
    }

    private static TvL1Parameters tvL1(JsonNode node) {
        requireObject(node, "tv_l1");
        JsonFields.rejectUnknownKeys(node, TV_L1_KEYS, "tv_l1: ");
        TvL1Parameters d = TvL1Parameters.DEFAULTS;
        Fields f = new Fields(node, "tv_l1.");
        return new TvL1Parameters(f.d("tau", d.tau()), f.d("lambda", d.lambda()), f.d("theta", d.theta()),
                f.i("scales", d.scales()), f.i("warps", d.warps()), f.d("epsilon", d.epsilon()),
                f.i("inner_iterations", d.innerIterations()), f.i("outer_iterations", d.outerIterations()),
                f.d("scale_step", d.scaleStep()), f.d("gamma", d.gamma()),
                f.i("median_filtering", d.medianFiltering()));
    }

    private static FarnebackParameters farneback(JsonNode node) {
        requireObject(node, "farneback");
        JsonFields.rejectUnknownKeys(node, FARNEBACK_KEYS, "farneback: ");
        FarnebackParameters d = FarnebackParameters.DEFAULTS;
        Fields f = new Fields(node, "farneback.");
        return new FarnebackParameters(f.d("pyr_scale", d.pyrScale()), f.i("levels", d.levels()),
                f.i("window_size", d.windowSize()), f.i("iterations", d.iterations()), f.i("poly_n", d.polyN()),
                f.d("poly_sigma", d.polySigma()), f.b("gaussian_window", d.gaussianWindow()));
    }

    private static void requireObject(JsonNode node, String field) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(field + " must be an object, got " + node);
        }
    }

    /** Optional fields of one nested object, each falling back to its default. */
    private record Fields(JsonNode node, String prefix) {
        double d(String key, double fallback) {
            return node.has(key) ? JsonFields.doubleValue(node.get(key), prefix + key) : fallback;
        }

        int i(String key, int fallback) {
            return node.has(key) ? JsonFields.intValue(node.get(key), prefix + key) : fallback;
        }

        boolean b(String key, boolean fallback) {
            return node.has(key) ? JsonFields.booleanValue(node.get(key), prefix + key) : fallback;
        }
    }

    /** Every field, so that a run's settings can be recorded next to its output. */
    public String toJson() {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("method", method.jsonName());
        o.put("crop", crop.jsonName());
        o.put("face_margin", faceMargin);
        o.put("flow_size", flowSize);
        o.put("output_size", outputSize);
        o.put("format", format.extension());
        o.put("normalise", normalise);
        ObjectNode t = o.putObject("tv_l1");
        t.put("tau", tvL1.tau());
        t.put("lambda", tvL1.lambda());
        t.put("theta", tvL1.theta());
        t.put("scales", tvL1.scales());
        t.put("warps", tvL1.warps());
        t.put("epsilon", tvL1.epsilon());
        t.put("inner_iterations", tvL1.innerIterations());
        t.put("outer_iterations", tvL1.outerIterations());
        t.put("scale_step", tvL1.scaleStep());
        t.put("gamma", tvL1.gamma());
        t.put("median_filtering", tvL1.medianFiltering());
        ObjectNode f = o.putObject("farneback");
        f.put("pyr_scale", farneback.pyrScale());
        f.put("levels", farneback.levels());
        f.put("window_size", farneback.windowSize());
        f.put("iterations", farneback.iterations());
        f.put("poly_n", farneback.polyN());
        f.put("poly_sigma", farneback.polySigma());
        f.put("gaussian_window", farneback.gaussianWindow());
        return JsonFields.write(o);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FlowConfig c && toJson().equals(c.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "FlowConfig" + toJson();
    }

    /** Builder: every setting optional ({@code opt…}), the defaults as in the class comment. */
    public static final class Builder {
        private FlowMethod method = FlowMethod.TV_L1;
        private FaceCropMode crop = FaceCropMode.NONE;
        private double faceMargin = 0.1;
        private int flowSize = 0;
        private int outputSize = 28;
        private FlowFormat format = FlowFormat.PNG;
        private boolean normalise = true;
        private TvL1Parameters tvL1 = TvL1Parameters.DEFAULTS;
        private FarnebackParameters farneback = FarnebackParameters.DEFAULTS;

        private Builder() {}

        public Builder optMethod(FlowMethod method) {
            this.method = method;
            return this;
        }

        public Builder optCrop(FaceCropMode crop) {
            this.crop = crop;
            return this;
        }

        public Builder optFaceMargin(double faceMargin) {
            this.faceMargin = faceMargin;
            return this;
        }

        public Builder optFlowSize(int flowSize) {
            this.flowSize = flowSize;
            return this;
        }

        public Builder optOutputSize(int outputSize) {
            this.outputSize = outputSize;
            return this;
        }

        public Builder optFormat(FlowFormat format) {
            this.format = format;
            return this;
        }

        public Builder optNormalise(boolean normalise) {
            this.normalise = normalise;
            return this;
        }

        public Builder optTvL1(TvL1Parameters tvL1) {
            this.tvL1 = tvL1;
            return this;
        }

        public Builder optFarneback(FarnebackParameters farneback) {
            this.farneback = farneback;
            return this;
        }

        /** @throws IllegalArgumentException naming the JSON field that is invalid */
        public FlowConfig build() {
            return new FlowConfig(this);
        }
    }
}
