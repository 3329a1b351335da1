package ai.merba.eval;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
 * The result of a subject-wise evaluation — leave-one-subject-out (spec §5) or subject-grouped k-fold cross-
 * validation: the metrics of all folds' predictions pooled, per source dataset and per fold, each fold's training
 * curve, optionally the held-out metrics after every epoch, and what is needed to reproduce the run (model and
 * training configs, seed, library version). The predictions themselves are kept, so that any other statistic can
 * be computed later without training again.
 *
 * <p>This is the value; {@link EvaluationReportJson}, {@link EvaluationReportText} and
 * {@link EvaluationReportHtml} are its views.
 *
 * <p>The pooled metrics must be defined: a class missing from all predictions fails the report, as the spec
 * requires. A dataset missing a class only gets the reason in place of metrics, since a composite's small part
 * can lack a class without the run being wrong. Immutable; made with {@link #builder} or {@link #of}.
 */
public final class EvaluationReport {
    /** The protocol name of leave-one-subject-out. */
    public static final String LOSO = "loso";
    /** {@link #protocol()} of a leave-one-dataset-out (cross-database) evaluation. */
    public static final String LODO = "lodo";

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
            checkArgument((metrics == null) != (error == null), "exactly one of metrics and error must be given");
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
     * One epoch of one fold's training: the mean loss and accuracy over its (augmented) training batches, the
     * learning rate at its end, and the held-out accuracy after it when that was tracked (NaN otherwise).
     */
    public record EpochPoint(int epoch, double loss, double accuracy, double learningRate, double heldOutAccuracy) {
        /** Whether the held-out set was predicted after this epoch. */
        public boolean hasHeldOut() {
            return !Double.isNaN(heldOutAccuracy);
        }
    }

    /**
     * The predictions of one fold.
     *
     * @param fold its index
     * @param subjects the subjects it tested, in order of appearance (one for LOSO)
     * @param samples how many predictions it made
     * @param correct how many of them were right
     * @param curve its training curve, one point per epoch trained (empty when not given)
     */
    public record FoldResult(int fold, List<String> subjects, long samples, long correct, List<EpochPoint> curve) {
        public FoldResult {
            subjects = List.copyOf(subjects);
            curve = List.copyOf(curve);
        }

        /** correct / samples. */
        public double accuracy() {
            return (double) correct / samples;
        }
    }

    /** The metrics of every fold's held-out predictions after one epoch, pooled. */
    public record HeldOutPoint(int epoch, ClassMetrics metrics) {}

    private final String protocol;
    private final List<String> classNames;
    private final List<PredictionRecord> predictions;
    private final ConfusionMatrix confusion;
    private final ClassMetrics pooled;
    private final List<DatasetResult> datasets;
    private final List<FoldResult> folds;
    private final List<HeldOutPoint> heldOutCurve;
    private final JsonNode modelConfig;
    private final JsonNode trainingConfig;
    private final Long seed;
    private final String libraryVersion;
    private final Double wallTimeSeconds;
    private final String data;

    private EvaluationReport(Builder b) {
        validateClasses(b.classNames);
        this.classNames = List.copyOf(b.classNames);
        checkArgument(!b.predictions.isEmpty(), "predictions must not be empty");
        checkArgument(b.protocol != null && !b.protocol.isEmpty(), "protocol must not be empty");
        this.protocol = b.protocol;
        for (int i = 0; i < b.predictions.size(); i++) {
            checkArgument(b.predictions.get(i) != null, "predictions[%s] must not be null", i);
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
            checkArgument(p.truth() < k, "%s.truth = %s is out of range 0..%s", at, p.truth(), k - 1);
            checkArgument(p.predicted() < k, "%s.predicted = %s is out of range 0..%s", at, p.predicted(), k - 1);
            Integer first = seen.putIfAbsent(List.of(p.dataset(), p.subject(), p.sample()), i);
            checkArgument(first == null, "%s: sample (%s, %s, %s) repeats predictions[%s]; each sample is tested once",
                    at, p.dataset(), p.subject(), p.sample(), first);
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
            Optional<String> undefined = ClassMetrics.undefinedReason(m, classNames);
            ds.add(new DatasetResult(e.getKey(), m.total(), m,
                    undefined.isEmpty() ? ClassMetrics.of(m, classNames) : null, undefined.orElse(null)));
        }
        this.datasets = List.copyOf(ds);
        for (Integer fold : b.curves.keySet()) {
            checkArgument(foldCounts.containsKey(fold), "a curve is given for fold %s, which has no predictions", fold);
        }
        List<FoldResult> fs = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : foldCounts.entrySet()) {
            fs.add(new FoldResult(e.getKey(), List.copyOf(foldSubjects.get(e.getKey())), e.getValue()[0],
                    e.getValue()[1], b.curves.getOrDefault(e.getKey(), List.of())));
        }
        this.folds = List.copyOf(fs);
        List<HeldOutPoint> held = new ArrayList<>();
        for (Map.Entry<Integer, List<PredictionRecord>> e : b.heldOut.entrySet()) {
            checkArgument(e.getValue().size() == predictions.size(),
                    "the held-out predictions after epoch %s cover %s samples, the report %s", e.getKey(),
                    e.getValue().size(), predictions.size());
            // The same samples with the same truth, each once: a curve of another run, or of a subset, is refused.
            boolean[] covered = new boolean[predictions.size()];
            ConfusionMatrix m = new ConfusionMatrix(k);
            for (int i = 0; i < e.getValue().size(); i++) {
                PredictionRecord p = e.getValue().get(i);
                String at = "held-out predictions after epoch " + e.getKey() + " [" + i + "]";
                checkArgument(p != null, "%s must not be null", at);
                Integer j = seen.get(List.of(p.dataset(), p.subject(), p.sample()));
                checkArgument(j != null, "%s: sample (%s, %s, %s) is not among the report's predictions", at,
                        p.dataset(), p.subject(), p.sample());
                checkArgument(!covered[j], "%s: sample (%s, %s, %s) appears twice", at, p.dataset(), p.subject(),
                        p.sample());
                covered[j] = true;
                checkArgument(p.truth() == predictions.get(j).truth(), "%s: truth %s differs from predictions[%s]'s %s",
                        at, p.truth(), j, predictions.get(j).truth());
                checkArgument(p.predicted() < k, "%s.predicted = %s is out of range 0..%s", at, p.predicted(), k - 1);
                m.add(p.truth(), p.predicted());
            }
            held.add(new HeldOutPoint(e.getKey(), ClassMetrics.of(m, classNames)));
        }
        this.heldOutCurve = List.copyOf(held);
        this.modelConfig = parseObject(b.modelConfigJson, "modelConfigJson");
        this.trainingConfig = parseObject(b.trainingConfigJson, "trainingConfigJson");
        this.seed = b.seed;
        this.libraryVersion = b.libraryVersion;
        checkArgument(b.wallTimeSeconds == null || (Double.isFinite(b.wallTimeSeconds) && b.wallTimeSeconds >= 0),
                "wallTimeSeconds = %s must be a finite number >= 0", b.wallTimeSeconds);
        this.wallTimeSeconds = b.wallTimeSeconds;
        this.data = b.data;
    }

    private static void validateClasses(List<String> names) {
        checkArgument(names != null && !names.isEmpty(), "classNames must not be empty");
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            checkArgument(n != null && !n.isEmpty(), "classNames[%s] must not be empty", i);
            int first = names.indexOf(n);
            checkArgument(first == i, "classNames[%s] = '%s' repeats classNames[%s]", i, n, first);
        }
    }

    private static JsonNode parseObject(String json, String field) {
        if (json == null) {
            return null;
        }
        JsonNode node;
        try {
            node = JsonFields.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(field + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        checkArgument(node != null && node.isObject(), "%s must be a JSON object", field);
        return node;
    }

    /**
     * A builder for the report of {@code predictions} (all folds) over classes {@code classNames} (by index).
     * Nothing is checked until {@link Builder#build()}.
     */
    public static Builder builder(List<String> classNames, List<PredictionRecord> predictions) {
        return new Builder(classNames, predictions);
    }

    /** A LOSO report without metadata. */
    public static EvaluationReport of(List<String> classNames, List<PredictionRecord> predictions) {
        return builder(classNames, predictions).build();
    }

    /** {@value #LOSO}, or {@code cv-K} for subject-grouped K-fold cross-validation. */
    public String protocol() {
        return protocol;
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

    /** The pooled held-out metrics after each tracked epoch, ascending; empty when not tracked. */
    public List<HeldOutPoint> heldOutCurve() {
        return heldOutCurve;
    }

    /** The model config as given. */
    public Optional<JsonNode> modelConfig() {
        return Optional.ofNullable(modelConfig).map(JsonNode::deepCopy);
    }

    /** The training config as given. */
    public Optional<JsonNode> trainingConfig() {
        return Optional.ofNullable(trainingConfig).map(JsonNode::deepCopy);
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

    /** What data was evaluated (e.g. the manifest's path). */
    public Optional<String> data() {
        return Optional.ofNullable(data);
    }

    /** The report as pretty-printed JSON ({@link EvaluationReportJson}). */
    public String toJson() {
        return EvaluationReportJson.write(this);
    }

    /** The report as text for people ({@link EvaluationReportText}). */
    public String table() {
        return EvaluationReportText.render(this);
    }

    /** E.g. {@code EvaluationReport[loso, 309 predictions, 40 folds, acc 0.7670, uf1 0.7560, uar 0.7580]}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "EvaluationReport[%s, %d predictions, %d folds, acc %.4f, uf1 %.4f, uar %.4f]",
                protocol, pooled.samples(), folds.size(), pooled.accuracy(), pooled.uf1(), pooled.uar());
    }

    /** Builder for a report: the predictions plus optional curves and metadata. */
    public static final class Builder {
        private final List<String> classNames;
        private final List<PredictionRecord> predictions;
        private String protocol = LOSO;
        private final Map<Integer, List<EpochPoint>> curves = new TreeMap<>();
        private final Map<Integer, List<PredictionRecord>> heldOut = new TreeMap<>();
        private String modelConfigJson;
        private String trainingConfigJson;
        private Long seed;
        private String libraryVersion;
        private Double wallTimeSeconds;
        private String data;

        private Builder(List<String> classNames, List<PredictionRecord> predictions) {
            this.classNames = classNames == null ? null : new ArrayList<>(classNames);
            this.predictions = predictions == null ? List.of() : new ArrayList<>(predictions);
        }

        /** {@value EvaluationReport#LOSO} (the default) or {@code cv-K}. */
        public Builder optProtocol(String protocol) {
            this.protocol = protocol;
            return this;
        }

        /** The training curve of fold {@code fold}. */
        public Builder optFoldCurve(int fold, List<EpochPoint> curve) {
            this.curves.put(fold, List.copyOf(curve));
            return this;
        }

        /**
         * Held-out predictions after {@code epoch}, added fold by fold; by build they must hold each of the report's
         * samples once, with the same truth.
         */
        public Builder addHeldOutPredictions(int epoch, List<PredictionRecord> records) {
            this.heldOut.computeIfAbsent(epoch, e -> new ArrayList<>()).addAll(records);
            return this;
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

        /** What data was evaluated (e.g. the manifest's path). */
        public Builder optData(String description) {
            this.data = description;
            return this;
        }

        /**
         * Computes the report.
         *
         * @throws IllegalArgumentException naming the field: no or repeated class names, no predictions, a class
         *     index out of range, a sample predicted twice, a class absent from the pooled truth, a config that is
         *     not a JSON object, a negative or non-finite wall time, a curve for a fold without predictions,
         *     held-out predictions that do not cover every sample
         */
        public EvaluationReport build() {
            return new EvaluationReport(this);
        }
    }
}
