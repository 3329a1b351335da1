package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.merba.eval.EvaluationReport.DatasetResult;
import ai.merba.eval.EvaluationReport.EpochPoint;
import ai.merba.eval.EvaluationReport.FoldResult;
import ai.merba.eval.EvaluationReport.HeldOutPoint;
import ai.merba.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {
    static final List<String> MEGC3 = List.of("negative", "positive", "surprise");

    /**
     * Three folds over two datasets; casme2 has no surprise sample.
     *
     * <pre>
     * fold 0, smic s1:   truth 0 1 2 0   predicted 0 1 0 0   (3 of 4 right)
     * fold 1, smic s2:   truth 0 2 1     predicted 1 2 1     (2 of 3)
     * fold 2, casme2 x1: truth 0 0 1     predicted 0 1 1     (2 of 3)
     * </pre>
     */
    static List<PredictionRecord> predictions() {
        List<PredictionRecord> p = new ArrayList<>();
        int[][] fold0 = {{0, 0}, {1, 1}, {2, 0}, {0, 0}};
        int[][] fold1 = {{0, 1}, {2, 2}, {1, 1}};
        int[][] fold2 = {{0, 0}, {0, 1}, {1, 1}};
        add(p, 0, "smic", "s1", fold0);
        add(p, 1, "smic", "s2", fold1);
        add(p, 2, "casme2", "x1", fold2);
        return p;
    }

    private static void add(List<PredictionRecord> p, int fold, String dataset, String subject, int[][] pairs) {
        for (int i = 0; i < pairs.length; i++) {
            p.add(new PredictionRecord(fold, dataset, subject, subject + "_" + i, pairs[i][0], pairs[i][1]));
        }
    }

    /** Two epochs per fold; fold 1 without held-out tracking at epoch 1 is impossible, so all track it. */
    static List<EpochPoint> curve(int fold) {
        return List.of(new EpochPoint(1, 1.0 + fold, 0.4, 1e-3, 0.5), new EpochPoint(2, 0.5 + fold, 0.6, 5e-4, 0.25 * fold));
    }

    /**
     * Held-out predictions after epoch 1: everything predicted negative (Acc 5/10: negative F1 10/15, others 0;
     * UF1 = 2/9; UAR = 1/3). After epoch 2: the final predictions.
     */
    static EvaluationReport.Builder builder() {
        EvaluationReport.Builder b = EvaluationReport.builder(MEGC3, predictions())
                .optModelConfigJson(ModelConfig.preset("composite-28").toJson())
                .optTrainingConfigJson("{\"epochs\": 200, \"lr\": 5e-4}")
                .optSeed(42)
                .optLibraryVersion("0.1.0-test")
                .optWallTimeSeconds(12.5)
                .optData("data/manifest.csv");
        for (int f = 0; f < 3; f++) {
            b.optFoldCurve(f, curve(f));
        }
        List<PredictionRecord> allNegative = new ArrayList<>();
        for (PredictionRecord p : predictions()) {
            allNegative.add(new PredictionRecord(p.fold(), p.dataset(), p.subject(), p.sample(), p.truth(), 0));
        }
        b.addHeldOutPredictions(1, allNegative.subList(0, 4)).addHeldOutPredictions(1, allNegative.subList(4, 10));
        b.addHeldOutPredictions(2, predictions());
        return b;
    }

    static EvaluationReport report() {
        return builder().build();
    }

    @Test
    void pooledMetrics() {
        EvaluationReport r = report();
        // Pooled confusion (rows truth):  negative [3 2 0], positive [0 3 0], surprise [1 0 1]; N = 10.
        // Acc = 7/10.
        // negative: TP 3, FP 4-3 = 1, FN 2 -> F1 = 6/9;  recall 3/5
        // positive: TP 3, FP 5-3 = 2, FN 0 -> F1 = 6/8;  recall 1
        // surprise: TP 1, FP 0,       FN 1 -> F1 = 2/3;  recall 1/2
        // UF1 = (2/3 + 3/4 + 2/3) / 3 = 25/36; UAR = (3/5 + 1 + 1/2) / 3 = 7/10.
        assertThat(r.confusion().counts()).isDeepEqualTo(new long[][] {{3, 2, 0}, {0, 3, 0}, {1, 0, 1}});
        assertThat(r.pooled().accuracy()).isCloseTo(0.7, within(1e-12));
        assertThat(r.pooled().uf1()).isCloseTo(25.0 / 36, within(1e-12));
        assertThat(r.pooled().uar()).isCloseTo(0.7, within(1e-12));
        assertThat(r.pooled().samples()).isEqualTo(10);
    }

    @Test
    void perDatasetKeepsErrorsInsteadOfFailing() {
        List<DatasetResult> ds = report().datasets();
        assertThat(ds).extracting(DatasetResult::dataset).containsExactly("smic", "casme2");
        // smic (rows truth): negative [2 1 0], positive [0 2 0], surprise [1 0 1]; N = 7; Acc 5/7.
        // F1: negative 4/6, positive 4/5, surprise 2/3 -> UF1 = 32/45; recall 2/3, 1, 1/2 -> UAR = 13/18.
        DatasetResult smic = ds.get(0);
        assertThat(smic.defined()).isTrue();
        assertThat(smic.error()).isNull();
        assertThat(smic.samples()).isEqualTo(7);
        assertThat(smic.metrics().accuracy()).isCloseTo(5.0 / 7, within(1e-12));
        assertThat(smic.metrics().uf1()).isCloseTo(32.0 / 45, within(1e-12));
        assertThat(smic.metrics().uar()).isCloseTo(13.0 / 18, within(1e-12));
        DatasetResult casme2 = ds.get(1);
        assertThat(casme2.defined()).isFalse();
        assertThat(casme2.metrics()).isNull();
        assertThat(casme2.error()).isEqualTo("class 'surprise' has no samples in the truth: UF1/UAR undefined");
        assertThat(casme2.confusion().counts()).isDeepEqualTo(new long[][] {{1, 1, 0}, {0, 1, 0}, {0, 0, 0}});
    }

    @Test
    void perFold() {
        List<FoldResult> folds = report().folds();
        assertThat(folds).extracting(FoldResult::fold).containsExactly(0, 1, 2);
        assertThat(folds).extracting(FoldResult::subjects)
                .containsExactly(List.of("s1"), List.of("s2"), List.of("x1"));
        assertThat(folds).extracting(FoldResult::samples).containsExactly(4L, 3L, 3L);
        assertThat(folds).extracting(FoldResult::correct).containsExactly(3L, 2L, 2L);
        assertThat(folds.get(0).accuracy()).isEqualTo(0.75);
        assertThat(folds.get(2).curve()).isEqualTo(curve(2));
    }

    @Test
    void heldOutPredictionsMustBeTheReportsSamplesWithTheirTruth() {
        List<PredictionRecord> twice = new ArrayList<>(predictions());
        twice.set(9, twice.get(0));
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).addHeldOutPredictions(3, twice).build())
                .hasMessage("held-out predictions after epoch 3 [9]: sample (smic, s1, s1_0) appears twice");
        List<PredictionRecord> foreign = new ArrayList<>(predictions());
        foreign.set(2, new PredictionRecord(0, "samm", "s9", "s9_0", 2, 0));
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).addHeldOutPredictions(3, foreign).build())
                .hasMessage("held-out predictions after epoch 3 [2]: sample (samm, s9, s9_0) is not among the report's"
                        + " predictions");
        List<PredictionRecord> relabelled = new ArrayList<>(predictions());
        PredictionRecord p = relabelled.get(1);
        relabelled.set(1, new PredictionRecord(p.fold(), p.dataset(), p.subject(), p.sample(), 2, p.predicted()));
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).addHeldOutPredictions(3, relabelled)
                .build()).hasMessage("held-out predictions after epoch 3 [1]: truth 2 differs from predictions[1]'s 1");
    }

    @Test
    void heldOutCurvePoolsEveryFoldAfterEachEpoch() {
        List<HeldOutPoint> curve = report().heldOutCurve();
        assertThat(curve).extracting(HeldOutPoint::epoch).containsExactly(1, 2);
        // Epoch 1, all predicted negative: negative TP 5, FP 5 -> F1 = 10/15; the others 0.
        assertThat(curve.get(0).metrics().accuracy()).isEqualTo(0.5);
        assertThat(curve.get(0).metrics().uf1()).isCloseTo(2.0 / 9, within(1e-12));
        assertThat(curve.get(0).metrics().uar()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(curve.get(1).metrics()).isEqualTo(report().pooled());
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions())
                .addHeldOutPredictions(1, predictions().subList(0, 4)).build())
                .hasMessageContaining("after epoch 1 cover 4 samples, the report 10");
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).optFoldCurve(7, curve(0)).build())
                .hasMessageContaining("fold 7, which has no predictions");
    }

    @Test
    void jsonHasEveryKeyAndEmbedsConfigsAsObjects() throws Exception {
        EvaluationReport r = report();
        String json = r.toJson();
        assertThat(json).contains("\n  \"classes\""); // pretty-printed
        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(root.fieldNames()).toIterable().containsExactly("protocol", "classes", "samples", "pooled",
                "datasets", "folds", "held_out_curve", "model_config", "training_config", "seed", "library_version",
                "wall_time_seconds", "data", "predictions");
        assertThat(root.get("protocol").asText()).isEqualTo("loso");
        assertThat(root.get("classes").toString()).isEqualTo("[\"negative\",\"positive\",\"surprise\"]");
        assertThat(root.get("samples").asLong()).isEqualTo(10);
        JsonNode pooled = root.get("pooled");
        assertThat(pooled.fieldNames()).toIterable().containsExactly("accuracy", "uf1", "uar", "f1_per_class",
                "recall_per_class", "confusion");
        assertThat(pooled.get("uf1").asDouble()).isCloseTo(25.0 / 36, within(1e-12));
        assertThat(pooled.get("f1_per_class").get("positive").asDouble()).isEqualTo(0.75);
        assertThat(pooled.get("confusion").toString()).isEqualTo("[[3,2,0],[0,3,0],[1,0,1]]");
        assertThat(root.get("datasets").get(0).has("uf1")).isTrue();
        assertThat(root.get("datasets").get(1).get("error").asText()).contains("'surprise'");
        assertThat(root.get("datasets").get(1).has("uf1")).isFalse();
        // casme2 (truth 0 0 1, predicted 0 1 1): no surprise, so no UF1/UAR, but an accuracy of 2/3.
        assertThat(root.get("datasets").get(1).get("accuracy").asDouble()).isEqualTo(2.0 / 3);
        assertThat(root.get("folds").get(0).get("accuracy").asDouble()).isEqualTo(0.75);
        JsonNode point = root.get("folds").get(1).get("curve").get(1);
        assertThat(point.toString()).isEqualTo(
                "{\"epoch\":2,\"loss\":1.5,\"accuracy\":0.6,\"learning_rate\":5.0E-4,\"held_out_accuracy\":0.25}");
        assertThat(root.get("held_out_curve").get(0).get("uf1").asDouble()).isCloseTo(2.0 / 9, within(1e-12));
        assertThat(root.get("data").asText()).isEqualTo("data/manifest.csv");
        assertThat(root.get("model_config").isObject()).isTrue();
        assertThat(root.get("model_config").get("input_size").asInt()).isEqualTo(28);
        assertThat(root.get("training_config").get("epochs").asInt()).isEqualTo(200);
        assertThat(root.get("seed").asLong()).isEqualTo(42);
        assertThat(root.get("library_version").asText()).isEqualTo("0.1.0-test");
        assertThat(root.get("wall_time_seconds").asDouble()).isEqualTo(12.5);
        assertThat(root.get("predictions")).hasSize(10);
        assertThat(root.get("predictions").get(2).toString())
                .isEqualTo("{\"fold\":0,\"dataset\":\"smic\",\"subject\":\"s1\",\"sample\":\"s1_2\",\"truth\":2,"
                        + "\"predicted\":0}");
    }

    @Test
    void missingMetadataIsNull() throws Exception {
        JsonNode root = new ObjectMapper().readTree(EvaluationReport.of(MEGC3, predictions()).toJson());
        for (String key : List.of("model_config", "training_config", "seed", "library_version",
                "wall_time_seconds", "data")) {
            assertThat(root.has(key)).as(key).isTrue();
            assertThat(root.get(key).isNull()).as(key).isTrue();
        }
        EvaluationReport r = EvaluationReport.of(MEGC3, predictions());
        assertThat(r.seed()).isEmpty();
        assertThat(r.modelConfigJson()).isEmpty();
        assertThat(r.heldOutCurve()).isEmpty();
        assertThat(root.get("held_out_curve")).isEmpty();
        assertThat(root.get("folds").get(0).get("curve")).isEmpty();
    }

    @Test
    void table() {
        String t = report().table();
        assertThat(t).contains("pooled   Acc 0.7000   UF1 0.6944   UAR 0.7000");
        assertThat(t).contains("truth \\ predicted  negative  positive  surprise");
        assertThat(t).containsPattern("(?m)^negative\\s+3\\s+2\\s+0$");
        assertThat(t).containsPattern("smic\\s+n\\s+7\\s+Acc 0.7143");
        assertThat(t).containsPattern("casme2\\s+n\\s+3\\s+Acc 0.6667   \\(UF1/UAR undefined: class 'surprise' has no samples");
        assertThat(t).containsPattern("fold\\s+0\\s+s1\\s+n\\s+4\\s+Acc 0.7500");
        assertThat(t).contains("seed 42", "library 0.1.0-test", "wall time 12.5 s");
        assertThat(t).startsWith("LOSO report: 10 predictions, 3 folds, 3 classes");
        assertThat(t).containsPattern("epoch\\s+1\\s+Acc 0.5000\\s+UF1 0.2222\\s+UAR 0.3333");
    }

    @Test
    void classAbsentFromThePoolFailsTheReport() {
        List<PredictionRecord> p = new ArrayList<>();
        add(p, 0, "smic", "s1", new int[][] {{0, 0}, {1, 2}});
        assertThatThrownBy(() -> EvaluationReport.of(MEGC3, p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class 'surprise' has no samples in the truth: UF1/UAR undefined");
    }

    @Test
    void invalidInputsAreNamed() {
        assertThatThrownBy(() -> EvaluationReport.of(MEGC3, List.of())).hasMessageContaining("predictions must not be empty");
        assertThatThrownBy(() -> EvaluationReport.of(List.of("a", "a"), predictions()))
                .hasMessageContaining("classNames[1] = 'a' repeats classNames[0]");
        List<PredictionRecord> outOfRange = new ArrayList<>(predictions());
        outOfRange.add(new PredictionRecord(3, "smic", "s9", "z", 0, 3));
        assertThatThrownBy(() -> EvaluationReport.of(MEGC3, outOfRange))
                .hasMessageContaining("predictions[10].predicted = 3 is out of range 0..2");
        List<PredictionRecord> twice = new ArrayList<>(predictions());
        twice.add(new PredictionRecord(3, "smic", "s1", "s1_0", 0, 0));
        assertThatThrownBy(() -> EvaluationReport.of(MEGC3, twice))
                .hasMessageContaining("predictions[10]: sample (smic, s1, s1_0) repeats predictions[0]");
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).optModelConfigJson("[1]").build())
                .hasMessageContaining("modelConfigJson must be a JSON object");
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).optTrainingConfigJson("{oops").build())
                .hasMessageContaining("trainingConfigJson is not valid JSON");
        assertThatThrownBy(() -> EvaluationReport.builder(MEGC3, predictions()).optWallTimeSeconds(-1).build())
                .hasMessageContaining("wallTimeSeconds = -1.0");
        assertThatThrownBy(() -> new PredictionRecord(0, "", "s", "x", 0, 0)).hasMessageContaining("dataset");
    }
}
