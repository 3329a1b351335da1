package ai.merba.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The result of a leave-one-subject-out run (spec §5): the metrics of all folds' predictions pooled, per source
 * dataset and per fold, with what is needed to reproduce it (model and training configs, seed, library
 * version). The predictions themselves are kept and written too, so that any other statistic can be computed
 * later without training again.
 *
 * <p>The pooled metrics must be defined: a class missing from all predictions fails the report, as the spec
 * requires. A dataset missing a class only gets its error message in place of metrics, since a composite's
 * small part can lack a class without the run being wrong. Immutable; made with {@link #builder} or
 * {@link #of}.
 */
public final class LosoReport {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * The predictions of one source dataset.
     *
     * @param dataset its name
     * @param samples how many predictions it has
     * @param confusion its confusion matrix (a copy on each access)
     * @param metrics its metrics, or {@code null} where they are undefined
     * @param error why the metrics are undefined, or {@code null} where they are defined
     */
    public record DatasetResult(String dataset, long samples, ConfusionMatrix confusion, ClassMetrics metrics,
            String error) {
        public DatasetResult {
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(confusion, "confusion");
            if ((metrics == null) == (error == null)) {
                throw new IllegalArgumentException("exactly one of metrics and error must be given");
            }
            confusion = confusion.copy();
        }

        @Override
        public ConfusionMatrix confusion() {
            return confusion.copy();
        }

        /** Whether {@link #metrics()} is there. */
        public boolean defined() {
            return metrics != null;
        }
    }

    /**
     * The predictions of one fold.
     *
     * @param fold its index
     * @param subjects the subjects it tested, in order of appearance (one for LOSO)
     * @param samples how many predictions it made
     * @param correct how many of them were right
     */
    public record FoldResult(int fold, List<String> subjects, long samples, long correct) {
        public FoldResult {
            subjects = List.copyOf(subjects);
        }

        /** correct / samples. */
        public double accuracy() {
            return (double) correct / samples;
        }
    }

    private final List<String> classNames;
    private final List<PredictionRecord> predictions;
    private final ConfusionMatrix confusion;
    private final ClassMetrics pooled;
    private final List<DatasetResult> datasets;
    private final List<FoldResult> folds;
    private final JsonNode modelConfig;
    private final JsonNode trainingConfig;
    private final Long seed;
    private final String libraryVersion;
    private final Double wallTimeSeconds;

    private LosoReport(Builder b) {
        validateClasses(b.classNames);
        this.classNames = List.copyOf(b.classNames);
        if (b.predictions.isEmpty()) {
            throw new IllegalArgumentException("predictions must not be empty");
        }
        this.predictions = List.copyOf(b.predictions);
        int k = classNames.size();
        Map<List<String>, Integer> seen = new HashMap<>();
        this.confusion = new ConfusionMatrix(k);
        Map<String, ConfusionMatrix> byDataset = new LinkedHashMap<>();
        Map<Integer, LinkedHashSet<String>> foldSubjects = new TreeMap<>();
        Map<Integer, long[]> foldCounts = new TreeMap<>();
        for (int i = 0; i < predictions.size(); i++) {
            PredictionRecord p = predictions.get(i);
            String at = "predictions[" + i + "]";
            if (p == null) {
                throw new IllegalArgumentException(at + " must not be null");
            }
            if (p.truth() >= k) {
                throw new IllegalArgumentException(at + ".truth = " + p.truth() + " is out of range 0.." + (k - 1));
            }
            if (p.predicted() >= k) {
                throw new IllegalArgumentException(at + ".predicted = " + p.predicted() + " is out of range 0.."
                        + (k - 1));
            }
            Integer first = seen.putIfAbsent(List.of(p.dataset(), p.subject(), p.sample()), i);
            if (first != null) {
                throw new IllegalArgumentException(at + ": sample (" + p.dataset() + ", " + p.subject() + ", "
                        + p.sample() + ") repeats predictions[" + first + "]; each sample is tested once in LOSO");
            }
            confusion.add(p.truth(), p.predicted());
            byDataset.computeIfAbsent(p.dataset(), d -> new ConfusionMatrix(k)).add(p.truth(), p.predicted());
            foldSubjects.computeIfAbsent(p.fold(), f -> new LinkedHashSet<>()).add(p.subject());
            long[] counts = foldCounts.computeIfAbsent(p.fold(), f -> new long[2]);
            counts[0]++;
            counts[1] += p.correct() ? 1 : 0;
        }
        this.pooled = ClassMetrics.of(confusion, classNames);
        List<DatasetResult> ds = new ArrayList<>();
        for (Map.Entry<String, ConfusionMatrix> e : byDataset.entrySet()) {
            ConfusionMatrix m = e.getValue();
            ClassMetrics metrics = null;
            String error = null;
            try {
                metrics = ClassMetrics.of(m, classNames);
            } catch (IllegalArgumentException undefined) {
                error = undefined.getMessage();
            }
            ds.add(new DatasetResult(e.getKey(), m.total(), m, metrics, error));
        }
        this.datasets = List.copyOf(ds);
        List<FoldResult> fs = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : foldCounts.entrySet()) {
            fs.add(new FoldResult(e.getKey(), List.copyOf(foldSubjects.get(e.getKey())), e.getValue()[0],
                    e.getValue()[1]));
        }
        this.folds = List.copyOf(fs);
        this.modelConfig = parseObject(b.modelConfigJson, "modelConfigJson");
        this.trainingConfig = parseObject(b.trainingConfigJson, "trainingConfigJson");
        this.seed = b.seed;
        this.libraryVersion = b.libraryVersion;
        if (b.wallTimeSeconds != null && !(Double.isFinite(b.wallTimeSeconds) && b.wallTimeSeconds >= 0)) {
            throw new IllegalArgumentException("wallTimeSeconds = " + b.wallTimeSeconds
                    + " must be a finite number >= 0");
        }
        this.wallTimeSeconds = b.wallTimeSeconds;
    }

    private static void validateClasses(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("classNames must not be empty");
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("classNames[" + i + "] must not be empty");
            }
            int first = names.indexOf(n);
            if (first != i) {
                throw new IllegalArgumentException("classNames[" + i + "] = '" + n + "' repeats classNames[" + first
                        + "]");
            }
        }
    }

    private static JsonNode parseObject(String json, String field) {
        if (json == null) {
            return null;
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(field + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(field + " must be a JSON object");
        }
        return node;
    }

    /**
     * A builder for the report of {@code predictions} (all folds) over classes {@code classNames} (by index).
     * Nothing is checked until {@link Builder#build()}.
     */
    public static Builder builder(List<String> classNames, List<PredictionRecord> predictions) {
        return new Builder(classNames, predictions);
    }

    /** A report without metadata. */
    public static LosoReport of(List<String> classNames, List<PredictionRecord> predictions) {
        return builder(classNames, predictions).build();
    }

    /** The class names by index. */
    public List<String> classNames() {
        return classNames;
    }

    /** All predictions, in the order given. */
    public List<PredictionRecord> predictions() {
        return predictions;
    }

    /** The pooled confusion matrix (a copy). */
    public ConfusionMatrix confusion() {
        return confusion.copy();
    }

    /** The pooled metrics, the run's headline numbers. */
    public ClassMetrics pooled() {
        return pooled;
    }

    /** One result per dataset, in order of first appearance in the predictions. */
    public List<DatasetResult> datasets() {
        return datasets;
    }

    /** One result per fold index present, ascending. */
    public List<FoldResult> folds() {
        return folds;
    }

    /** The model config as given (re-serialised compactly). */
    public Optional<String> modelConfigJson() {
        return Optional.ofNullable(modelConfig).map(JsonNode::toString);
    }

    /** The training config as given (re-serialised compactly). */
    public Optional<String> trainingConfigJson() {
        return Optional.ofNullable(trainingConfig).map(JsonNode::toString);
    }

    public OptionalLong seed() {
        return seed == null ? OptionalLong.empty() : OptionalLong.of(seed);
    }

    public Optional<String> libraryVersion() {
        return Optional.ofNullable(libraryVersion);
    }

    public OptionalDouble wallTimeSeconds() {
        return wallTimeSeconds == null ? OptionalDouble.empty() : OptionalDouble.of(wallTimeSeconds);
    }

    /**
     * The report as pretty-printed JSON. Keys (snake_case): {@code classes}, {@code samples}, {@code pooled},
     * {@code datasets}, {@code folds}, {@code model_config}, {@code training_config}, {@code seed},
     * {@code library_version}, {@code wall_time_seconds}, {@code predictions}. Metadata not given is
     * {@code null}; the configs are embedded as JSON objects. Per-class numbers are objects keyed by class
     * name; confusion matrices are arrays of rows (truth) in class order.
     */
    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode classes = root.putArray("classes");
        classNames.forEach(classes::add);
        root.put("samples", pooled.samples());
        ObjectNode pooledNode = root.putObject("pooled");
        putMetrics(pooledNode, pooled);
        putConfusion(pooledNode, confusion);
        ArrayNode dsArray = root.putArray("datasets");
        for (DatasetResult d : datasets) {
            ObjectNode node = dsArray.addObject();
            node.put("dataset", d.dataset());
            node.put("samples", d.samples());
            if (d.defined()) {
                putMetrics(node, d.metrics());
            } else {
                node.put("error", d.error());
            }
            putConfusion(node, d.confusion);
        }
        ArrayNode foldArray = root.putArray("folds");
        for (FoldResult f : folds) {
            ObjectNode node = foldArray.addObject();
            node.put("fold", f.fold());
            ArrayNode subjects = node.putArray("subjects");
            f.subjects().forEach(subjects::add);
            node.put("samples", f.samples());
            node.put("correct", f.correct());
            node.put("accuracy", f.accuracy());
        }
        root.set("model_config", modelConfig == null ? root.nullNode() : modelConfig.deepCopy());
        root.set("training_config", trainingConfig == null ? root.nullNode() : trainingConfig.deepCopy());
        if (seed == null) {
            root.putNull("seed");
        } else {
            root.put("seed", seed);
        }
        root.put("library_version", libraryVersion);
        if (wallTimeSeconds == null) {
            root.putNull("wall_time_seconds");
        } else {
            root.put("wall_time_seconds", wallTimeSeconds);
        }
        ArrayNode preds = root.putArray("predictions");
        for (PredictionRecord p : predictions) {
            ObjectNode node = preds.addObject();
            node.put("fold", p.fold());
            node.put("dataset", p.dataset());
            node.put("subject", p.subject());
            node.put("sample", p.sample());
            node.put("truth", p.truth());
            node.put("predicted", p.predicted());
        }
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    private void putMetrics(ObjectNode node, ClassMetrics m) {
        node.put("accuracy", m.accuracy());
        node.put("uf1", m.uf1());
        node.put("uar", m.uar());
        ObjectNode f1 = node.putObject("f1_per_class");
        ObjectNode recall = node.putObject("recall_per_class");
        double[] f1s = m.f1PerClass();
        double[] recalls = m.recallPerClass();
        for (int c = 0; c < classNames.size(); c++) {
            f1.put(classNames.get(c), f1s[c]);
            recall.put(classNames.get(c), recalls[c]);
        }
    }

    private static void putConfusion(ObjectNode node, ConfusionMatrix m) {
        ArrayNode rows = node.putArray("confusion");
        for (long[] row : m.counts()) {
            ArrayNode r = rows.addArray();
            for (long c : row) {
                r.add(c);
            }
        }
    }

    /** The report as text for people: pooled metrics, confusion matrix, per-class, per-dataset and per-fold lines. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "LOSO report: %d predictions, %d folds, %d classes%n",
                pooled.samples(), folds.size(), classNames.size()));
        s.append(String.format(Locale.ROOT, "pooled   Acc %.4f   UF1 %.4f   UAR %.4f%n",
                pooled.accuracy(), pooled.uf1(), pooled.uar()));
        s.append(String.format("%n"));

        int nameWidth = "truth \\ predicted".length();
        for (String n : classNames) {
            nameWidth = Math.max(nameWidth, n.length());
        }
        int cellWidth = 6;
        for (String n : classNames) {
            cellWidth = Math.max(cellWidth, n.length());
        }
        s.append("confusion (rows = truth, columns = prediction)").append(String.format("%n"));
        s.append(pad("truth \\ predicted", nameWidth));
        for (String n : classNames) {
            s.append("  ").append(padLeft(n, cellWidth));
        }
        s.append(String.format("%n"));
        long[][] counts = confusion.counts();
        for (int t = 0; t < classNames.size(); t++) {
            s.append(pad(classNames.get(t), nameWidth));
            for (long c : counts[t]) {
                s.append("  ").append(padLeft(Long.toString(c), cellWidth));
            }
            s.append(String.format("%n"));
        }
        s.append(String.format("%n"));

        s.append(pad("class", nameWidth)).append("      F1  recall").append(String.format("%n"));
        double[] f1 = pooled.f1PerClass();
        double[] recall = pooled.recallPerClass();
        for (int c = 0; c < classNames.size(); c++) {
            s.append(pad(classNames.get(c), nameWidth))
                    .append(String.format(Locale.ROOT, "  %.4f  %.4f%n", f1[c], recall[c]));
        }
        s.append(String.format("%n"));

        int dsWidth = "dataset".length();
        for (DatasetResult d : datasets) {
            dsWidth = Math.max(dsWidth, d.dataset().length());
        }
        s.append("per dataset").append(String.format("%n"));
        for (DatasetResult d : datasets) {
            s.append("  ").append(pad(d.dataset(), dsWidth)).append(String.format(Locale.ROOT, "  n %5d  ", d.samples()));
            if (d.defined()) {
                ClassMetrics m = d.metrics();
                s.append(String.format(Locale.ROOT, "Acc %.4f   UF1 %.4f   UAR %.4f", m.accuracy(), m.uf1(), m.uar()));
            } else {
                s.append("undefined: ").append(d.error());
            }
            s.append(String.format("%n"));
        }
        s.append(String.format("%n"));

        s.append("per fold").append(String.format("%n"));
        for (FoldResult f : folds) {
            s.append(String.format(Locale.ROOT, "  fold %3d  %-12s  n %4d  Acc %.4f%n", f.fold(),
                    String.join("+", f.subjects()), f.samples(), f.accuracy()));
        }

        List<String> meta = new ArrayList<>();
        if (seed != null) {
            meta.add("seed " + seed);
        }
        if (libraryVersion != null) {
            meta.add("library " + libraryVersion);
        }
        if (wallTimeSeconds != null) {
            meta.add(String.format(Locale.ROOT, "wall time %.1f s", wallTimeSeconds));
        }
        if (!meta.isEmpty()) {
            s.append(String.format("%n")).append(String.join(", ", meta)).append(String.format("%n"));
        }
        return s.toString();
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private static String padLeft(String text, int width) {
        return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
    }

    /** E.g. {@code LosoReport[309 predictions, 40 folds, acc 0.7670, uf1 0.7560, uar 0.7580]}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LosoReport[%d predictions, %d folds, acc %.4f, uf1 %.4f, uar %.4f]",
                pooled.samples(), folds.size(), pooled.accuracy(), pooled.uf1(), pooled.uar());
    }

    /** Builder for a report: the predictions plus optional metadata. */
    public static final class Builder {
        private final List<String> classNames;
        private final List<PredictionRecord> predictions;
        private String modelConfigJson;
        private String trainingConfigJson;
        private Long seed;
        private String libraryVersion;
        private Double wallTimeSeconds;

        private Builder(List<String> classNames, List<PredictionRecord> predictions) {
            this.classNames = classNames == null ? null : new ArrayList<>(classNames);
            this.predictions = predictions == null ? List.of() : new ArrayList<>(predictions);
        }

        /** The model config (a JSON object, e.g. {@code ModelConfig.toJson()}); embedded as an object. */
        public Builder optModelConfigJson(String json) {
            this.modelConfigJson = json;
            return this;
        }

        /** The training config (a JSON object); embedded as an object. */
        public Builder optTrainingConfigJson(String json) {
            this.trainingConfigJson = json;
            return this;
        }

        /** The run's random seed. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The MERba version that made the run. */
        public Builder optLibraryVersion(String version) {
            this.libraryVersion = version;
            return this;
        }

        /** How long the whole run took. */
        public Builder optWallTimeSeconds(double seconds) {
            this.wallTimeSeconds = seconds;
            return this;
        }

        /**
         * Computes the report.
         *
         * @throws IllegalArgumentException naming the field: no or repeated class names, no predictions, a class
         *     index out of range, a sample predicted twice, a class absent from the pooled truth, a config that is
         *     not a JSON object, a negative or non-finite wall time
         */
        public LosoReport build() {
            return new LosoReport(this);
        }
    }
}
