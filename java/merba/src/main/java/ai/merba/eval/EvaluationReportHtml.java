package ai.merba.eval;

import ai.merba.eval.html.BarChart;
import ai.merba.eval.html.HeatMap;
import ai.merba.eval.html.LineChart;
import ai.merba.eval.html.Svg;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML form of an {@link EvaluationReport}: one self-contained page (inline CSS and SVG, no script, no
 * network) with the headline metrics, the training curves (mean over folds with the min–max band), the held-out
 * curve when tracked, the confusion matrix as a heat map, per-dataset and per-subject bars, per-class scores, the
 * recipe and the provenance. Numbers shown as text carry a {@code data-metric} attribute naming what they are.
 */
public final class EvaluationReportHtml {
    private static final String BLUE = "#1f5199", ORANGE = "#d9822b", GREEN = "#3a8f5b", GREY = "#7a7a7a";

    private EvaluationReportHtml() {}

    public static String render(EvaluationReport r) {
        ClassMetrics pooled = r.pooled();
        StringBuilder h = new StringBuilder(64 * 1024);
        String title = r.protocol().toUpperCase(Locale.ROOT) + " report"
                + r.data().map(d -> " — " + shortName(d)).orElse("");
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(Svg.escape(title))
                .append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>").append(Svg.escape(title)).append("</h1>\n");
        h.append("<p class=\"sub\">").append(pooled.samples()).append(" predictions, ").append(r.folds().size())
                .append(" folds, ").append(r.classNames().size()).append(" classes; ").append(weightsUsed(r))
                .append(" of each fold, pooled</p>\n");
        h.append("<div class=\"cards\">");
        card(h, "UF1", "pooled-uf1", pooled.uf1());
        card(h, "UAR", "pooled-uar", pooled.uar());
        card(h, "Accuracy", "pooled-accuracy", pooled.accuracy());
        h.append("</div>\n");

        h.append("<h2>Training</h2>\n<div class=\"row\">");
        curves(h, r);
        h.append("</div>\n");

        h.append("<h2>Predictions</h2>\n<div class=\"row\">");
        h.append("<figure>").append(HeatMap.svg("Confusion matrix (pooled)", r.classNames(), r.confusion().counts()))
                .append("</figure>");
        BarChart datasets = new BarChart("Per dataset", List.of("Acc", "UF1", "UAR"), List.of(GREY, BLUE, ORANGE));
        datasets.add("pooled", "n " + pooled.samples(), pooled.accuracy(), pooled.uf1(), pooled.uar());
        for (EvaluationReport.DatasetResult d : r.datasets()) {
            if (d.defined()) {
                datasets.add(d.dataset(), "n " + d.samples(), d.metrics().accuracy(), d.metrics().uf1(), d.metrics().uar());
            } else {
                datasets.add(d.dataset(), "n " + d.samples() + " (UF1/UAR undefined)", d.confusion().accuracy(),
                        Double.NaN, Double.NaN);
            }
        }
        h.append("<figure>").append(datasets.svg()).append("</figure>");
        h.append("</div>\n");
        classTable(h, r);
        datasetTable(h, r);

        h.append("<h2>Per subject</h2>\n<figure>").append(subjectBars(r).svg()).append("</figure>\n");

        h.append("<h2>Recipe and provenance</h2>\n<div class=\"row\">");
        r.trainingConfig().ifPresent(c -> keyValues(h, "Training config", c));
        r.modelConfig().ifPresent(c -> keyValues(h, "Model config", c));
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("protocol", r.protocol());
        r.data().ifPresent(d -> provenance.put("data", d));
        r.seed().ifPresent(s -> provenance.put("seed", Long.toString(s)));
        r.libraryVersion().ifPresent(v -> provenance.put("library version", v));
        r.wallTimeSeconds().ifPresent(t -> provenance.put("wall time",
                String.format(Locale.ROOT, "%.1f s (%.1f min)", t, t / 60)));
        keyValues(h, "Run", provenance);
        h.append("</div>\n</body></html>\n");
        return h.toString();
    }

    private static void card(StringBuilder h, String label, String metric, double value) {
        h.append("<div class=\"card\"><div class=\"label\">").append(label).append("</div><div class=\"value\" data-metric=\"")
                .append(metric).append("\">").append(format(value)).append("</div></div>");
    }

    /** Mean, min and max over folds at each epoch index of one curve quantity. */
    private record Band(double[] epochs, double[] mean, double[] lower, double[] upper) {}

    private interface Quantity {
        double of(EvaluationReport.EpochPoint p);
    }

    private static Band band(List<EvaluationReport.FoldResult> folds, Quantity q) {
        int length = 0;
        for (EvaluationReport.FoldResult f : folds) {
            length = Math.max(length, f.curve().size());
        }
        double[] epochs = new double[length], mean = new double[length], lower = new double[length],
                upper = new double[length];
        for (int e = 0; e < length; e++) {
            double sum = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            int n = 0;
            for (EvaluationReport.FoldResult f : folds) {
                if (e < f.curve().size() && !Double.isNaN(q.of(f.curve().get(e)))) {
                    double v = q.of(f.curve().get(e));
                    epochs[e] = f.curve().get(e).epoch();
                    sum += v;
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                    n++;
                }
            }
            mean[e] = n == 0 ? Double.NaN : sum / n;
            lower[e] = n == 0 ? Double.NaN : lo;
            upper[e] = n == 0 ? Double.NaN : hi;
        }
        return new Band(epochs, mean, lower, upper);
    }

    private static void curves(StringBuilder h, EvaluationReport r) {
        List<EvaluationReport.FoldResult> folds = r.folds();
        if (folds.stream().allMatch(f -> f.curve().isEmpty())) {
            h.append("<p>No training curves in this report.</p>");
            return;
        }
        Band loss = band(folds, EvaluationReport.EpochPoint::loss);
        Band acc = band(folds, EvaluationReport.EpochPoint::accuracy);
        Band lr = band(folds, EvaluationReport.EpochPoint::learningRate);
        Band held = band(folds, EvaluationReport.EpochPoint::heldOutAccuracy);
        h.append("<figure>").append(new LineChart("Training loss (mean, min–max over folds)", "epoch")
                .add(new LineChart.Series("loss", BLUE, loss.epochs(), loss.mean(), loss.lower(), loss.upper()))
                .svg()).append("</figure>");
        LineChart accuracy = new LineChart("Accuracy (mean, min–max over folds)", "epoch").yRange(0, 1)
                .add(new LineChart.Series("training batches", BLUE, acc.epochs(), acc.mean(), acc.lower(), acc.upper()));
        if (folds.stream().anyMatch(f -> f.curve().stream().anyMatch(EvaluationReport.EpochPoint::hasHeldOut))) {
            accuracy.add(new LineChart.Series("held-out", ORANGE, held.epochs(), held.mean(), held.lower(), held.upper()));
        }
        h.append("<figure>").append(accuracy.svg()).append("</figure>");
        h.append("<figure>").append(new LineChart("Learning rate", "epoch")
                .add(LineChart.Series.line("learning rate", GREEN, lr.epochs(), lr.mean())).svg()).append("</figure>");
        if (!r.heldOutCurve().isEmpty()) {
            List<EvaluationReport.HeldOutPoint> curve = r.heldOutCurve();
            double[] x = new double[curve.size()], uf1 = new double[x.length], uar = new double[x.length],
                    a = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = curve.get(i).epoch();
                uf1[i] = curve.get(i).metrics().uf1();
                uar[i] = curve.get(i).metrics().uar();
                a[i] = curve.get(i).metrics().accuracy();
            }
            h.append("<figure>").append(new LineChart("Held-out metrics after each epoch (pooled)", "epoch").yRange(0, 1)
                    .add(LineChart.Series.line("UF1", BLUE, x, uf1)).add(LineChart.Series.line("UAR", ORANGE, x, uar))
                    .add(LineChart.Series.line("Acc", GREY, x, a)).svg()).append("</figure>");
        }
    }

    private static void classTable(StringBuilder h, EvaluationReport r) {
        h.append("<table><caption>Per class (pooled)</caption><tr><th>class</th><th>samples</th><th>F1</th><th>recall</th></tr>");
        double[] f1 = r.pooled().f1PerClass(), recall = r.pooled().recallPerClass();
        ConfusionMatrix m = r.confusion();
        for (int c = 0; c < r.classNames().size(); c++) {
            String name = Svg.escape(r.classNames().get(c));
            h.append("<tr><td>").append(name).append("</td><td>").append(m.truthCount(c))
                    .append("</td><td data-metric=\"f1-").append(name).append("\">").append(format(f1[c]))
                    .append("</td><td data-metric=\"recall-").append(name).append("\">").append(format(recall[c]))
                    .append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static void datasetTable(StringBuilder h, EvaluationReport r) {
        h.append("<table><caption>Per dataset</caption><tr><th>dataset</th><th>samples</th><th>Acc</th><th>UF1</th><th>UAR</th></tr>");
        for (EvaluationReport.DatasetResult d : r.datasets()) {
            String name = Svg.escape(d.dataset());
            h.append("<tr><td>").append(name).append("</td><td>").append(d.samples()).append("</td>");
            h.append("<td data-metric=\"").append(name).append("-accuracy\">").append(format(d.confusion().accuracy()))
                    .append("</td>");
            if (d.defined()) {
                h.append("<td data-metric=\"").append(name).append("-uf1\">").append(format(d.metrics().uf1()))
                        .append("</td><td data-metric=\"").append(name).append("-uar\">").append(format(d.metrics().uar()))
                        .append("</td>");
            } else {
                h.append("<td colspan=\"2\">").append(Svg.escape(d.error())).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table>\n");
    }

    private static BarChart subjectBars(EvaluationReport r) {
        Map<String, long[]> bySubject = new LinkedHashMap<>();
        Map<String, String> datasetOf = new LinkedHashMap<>();
        for (PredictionRecord p : r.predictions()) {
            long[] c = bySubject.computeIfAbsent(p.subject(), s -> new long[2]);
            c[0]++;
            c[1] += p.correct() ? 1 : 0;
            datasetOf.putIfAbsent(p.subject(), p.dataset());
        }
        BarChart bars = new BarChart("Accuracy per subject (n = the subject's samples)", List.of("Acc"), List.of(BLUE));
        List<String> subjects = new ArrayList<>(bySubject.keySet());
        subjects.sort((a, b) -> {
            int byDataset = datasetOf.get(a).compareTo(datasetOf.get(b));
            return byDataset != 0 ? byDataset : a.compareTo(b);
        });
        for (String s : subjects) {
            long[] c = bySubject.get(s);
            bars.add(datasetOf.get(s) + " " + s, "n " + c[0], (double) c[1] / c[0]);
        }
        return bars;
    }

    private static void keyValues(StringBuilder h, String caption, JsonNode object) {
        Map<String, String> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            entries.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
        }
        keyValues(h, caption, entries);
    }

    private static void keyValues(StringBuilder h, String caption, Map<String, String> entries) {
        h.append("<table class=\"kv\"><caption>").append(Svg.escape(caption)).append("</caption>");
        entries.forEach((k, v) -> h.append("<tr><th>").append(Svg.escape(k)).append("</th><td>").append(Svg.escape(v))
                .append("</td></tr>"));
        h.append("</table>");
    }

    /** Which weights predicted: the last epoch's, or their moving average when the recipe keeps one. */
    private static String weightsUsed(EvaluationReport r) {
        double decay = r.trainingConfig().map(c -> c.path("ema_decay").asDouble(0)).orElse(0.0);
        return decay > 0 ? "the weight average (EMA " + decay + ") after the last epoch" : "last-epoch weights";
    }

    /** Four decimals, as the text report prints them. */
    static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String shortName(String path) {
        String[] parts = path.replace('\\', '/').split("/");
        return parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : path;
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;\
            max-width:1180px;padding:0 16px;background:#fafafa}
            h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;\
            padding-bottom:3px}
            .sub{color:#666;margin:0 0 14px}
            .cards{display:flex;gap:14px}.card{background:#fff;border:1px solid #e2e2e2;border-radius:8px;\
            padding:10px 18px;min-width:120px}
            .card .label{color:#666;font-size:12px;text-transform:uppercase;letter-spacing:.05em}\
            .card .value{font-size:26px;font-weight:600}
            .row{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
            figure{margin:0;background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:6px}
            svg.chart{width:460px;height:auto;font-size:11px}svg.heat{width:300px}svg.bars{font-size:11px}
            .title{font-weight:600;font-size:12px}.tick,.legend,.value,.label{fill:#444}.grid{stroke:#eee}\
            .axis{stroke:#999}
            .line{fill:none;stroke-width:1.8}.band{opacity:.18;stroke:none}.count{font-size:15px;font-weight:600}\
            .share{font-size:10px}
            table{border-collapse:collapse;background:#fff;margin:12px 14px 0 0;display:inline-table;\
            vertical-align:top}caption{text-align:left;font-weight:600;padding:4px 0}
            td,th{border:1px solid #e2e2e2;padding:3px 9px;text-align:left}th{background:#f3f3f3;font-weight:500}
            table.kv td{font-family:ui-monospace,monospace;font-size:12px;max-width:380px;word-break:break-all}
            """;
}
