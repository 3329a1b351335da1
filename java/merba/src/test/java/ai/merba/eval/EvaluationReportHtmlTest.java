package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The HTML page shows the numbers of the JSON report, and needs nothing from outside itself. */
class EvaluationReportHtmlTest {
    private final EvaluationReport report = EvaluationReportTest.report();
    private final String html = EvaluationReportHtml.render(report);

    private static Map<String, String> metricsShown(String html) {
        Map<String, String> shown = new HashMap<>();
        Matcher m = Pattern.compile("data-metric=\"([^\"]+)\">([^<]*)<").matcher(html);
        while (m.find()) {
            shown.put(m.group(1), m.group(2));
        }
        return shown;
    }

    private static String fourDecimals(JsonNode value) {
        return String.format(Locale.ROOT, "%.4f", value.asDouble());
    }

    @Test
    void headlineClassAndDatasetNumbersEqualTheJson() throws Exception {
        JsonNode json = new ObjectMapper().readTree(report.toJson());
        Map<String, String> shown = metricsShown(html);
        JsonNode pooled = json.get("pooled");
        assertThat(shown.get("pooled-uf1")).isEqualTo(fourDecimals(pooled.get("uf1"))).isEqualTo("0.6944");
        assertThat(shown.get("pooled-uar")).isEqualTo(fourDecimals(pooled.get("uar")));
        assertThat(shown.get("pooled-accuracy")).isEqualTo(fourDecimals(pooled.get("accuracy")));
        for (JsonNode name : json.get("classes")) {
            assertThat(shown.get("f1-" + name.asText())).isEqualTo(fourDecimals(pooled.get("f1_per_class").get(name.asText())));
            assertThat(shown.get("recall-" + name.asText()))
                    .isEqualTo(fourDecimals(pooled.get("recall_per_class").get(name.asText())));
        }
        int datasetsWithMetrics = 0;
        for (JsonNode d : json.get("datasets")) {
            String name = d.get("dataset").asText();
            assertThat(shown.get(name + "-accuracy")).isEqualTo(fourDecimals(d.get("accuracy")));
            if (d.has("uf1")) {
                datasetsWithMetrics++;
                assertThat(shown.get(name + "-uf1")).isEqualTo(fourDecimals(d.get("uf1")));
                assertThat(shown.get(name + "-uar")).isEqualTo(fourDecimals(d.get("uar")));
            } else {
                assertThat(shown).doesNotContainKey(name + "-uf1");
                assertThat(html).contains(d.get("error").asText().replace("'", "&#39;"));
            }
        }
        assertThat(datasetsWithMetrics).isEqualTo(1);
    }

    @Test
    void heatMapCellsHoldTheConfusionCounts() throws Exception {
        JsonNode json = new ObjectMapper().readTree(report.toJson());
        JsonNode confusion = json.get("pooled").get("confusion");
        JsonNode classes = json.get("classes");
        Matcher cell = Pattern.compile("data-truth=\"([^\"]+)\" data-predicted=\"([^\"]+)\" data-count=\"(\\d+)\"")
                .matcher(html);
        int cells = 0;
        while (cell.find()) {
            int t = indexOf(classes, cell.group(1)), p = indexOf(classes, cell.group(2));
            assertThat(Long.parseLong(cell.group(3))).as(cell.group()).isEqualTo(confusion.get(t).get(p).asLong());
            cells++;
        }
        assertThat(cells).isEqualTo(9);
    }

    @Test
    void curvesSubjectsRecipeAndProvenanceAreThere() {
        assertThat(html).contains("Training loss", "Held-out metrics after each epoch", "Accuracy per subject",
                "Training config", "Model config", "data/manifest.csv", "0.1.0-test");
        // One bar per subject, labelled with its dataset and size.
        assertThat(html).contains("smic s1 n 4", "smic s2 n 3", "casme2 x1 n 3");
        // Two line paths (loss, training accuracy, held-out accuracy, learning rate and the three held-out metrics).
        assertThat(Pattern.compile("class=\"line\"").matcher(html).results().count()).isEqualTo(7);
    }

    @Test
    void theSubtitleNamesTheWeightsThatPredicted() {
        assertThat(html).contains("; last-epoch weights of each fold, pooled");
        String averaged = EvaluationReportHtml.render(EvaluationReportTest.builder()
                .optTrainingConfigJson("{\"epochs\": 50, \"ema_decay\": 0.99}").build());
        assertThat(averaged).contains("; the weight average (EMA 0.99) after the last epoch of each fold, pooled")
                .doesNotContain("last-epoch weights");
    }

    @Test
    void selfContained() {
        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html).doesNotContain("<script", "http://", "https://", "<link", "@import", "src=");
        assertThat(Pattern.compile("<svg").matcher(html).results().count())
                .isEqualTo(Pattern.compile("</svg>").matcher(html).results().count());
    }

    @Test
    void textIsEscaped() {
        EvaluationReport odd = EvaluationReport.builder(EvaluationReportTest.MEGC3, EvaluationReportTest.predictions())
                .optData("<b>&\"x\"").build();
        String page = EvaluationReportHtml.render(odd);
        assertThat(page).doesNotContain("<b>&").contains("&lt;b&gt;&amp;&quot;x&quot;");
    }

    private static int indexOf(JsonNode classes, String name) {
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).asText().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("unknown class " + name);
    }
}
