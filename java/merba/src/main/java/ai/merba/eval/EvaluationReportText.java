package ai.merba.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text form of an {@link EvaluationReport}, for people: pooled metrics, confusion matrix, per-class,
 * per-dataset and per-fold lines.
 */
public final class EvaluationReportText {
    private static final String NL = System.lineSeparator();

    private EvaluationReportText() {}

    public static String render(EvaluationReport r) {
        List<String> classNames = r.classNames();
        ClassMetrics pooled = r.pooled();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s report: %d predictions, %d folds, %d classes%n",
                r.protocol().toUpperCase(Locale.ROOT), pooled.samples(), r.folds().size(), classNames.size()));
        s.append(String.format(Locale.ROOT, "pooled   Acc %.4f   UF1 %.4f   UAR %.4f%n",
                pooled.accuracy(), pooled.uf1(), pooled.uar())).append(NL);

        int nameWidth = "truth \\ predicted".length();
        int cellWidth = 6;
        for (String n : classNames) {
            nameWidth = Math.max(nameWidth, n.length());
            cellWidth = Math.max(cellWidth, n.length());
        }
        s.append("confusion (rows = truth, columns = prediction)").append(NL);
        s.append(pad("truth \\ predicted", nameWidth));
        for (String n : classNames) {
            s.append("  ").append(padLeft(n, cellWidth));
        }
        s.append(NL);
        long[][] counts = r.confusion().counts();
        for (int t = 0; t < classNames.size(); t++) {
            s.append(pad(classNames.get(t), nameWidth));
            for (long c : counts[t]) {
                s.append("  ").append(padLeft(Long.toString(c), cellWidth));
            }
            s.append(NL);
        }
        s.append(NL);

        s.append(pad("class", nameWidth)).append("      F1  recall").append(NL);
        double[] f1 = pooled.f1PerClass();
        double[] recall = pooled.recallPerClass();
        for (int c = 0; c < classNames.size(); c++) {
            s.append(pad(classNames.get(c), nameWidth))
                    .append(String.format(Locale.ROOT, "  %.4f  %.4f%n", f1[c], recall[c]));
        }
        s.append(NL);

        int dsWidth = "dataset".length();
        for (EvaluationReport.DatasetResult d : r.datasets()) {
            dsWidth = Math.max(dsWidth, d.dataset().length());
        }
        s.append("per dataset").append(NL);
        for (EvaluationReport.DatasetResult d : r.datasets()) {
            s.append("  ").append(pad(d.dataset(), dsWidth)).append(String.format(Locale.ROOT, "  n %5d  ", d.samples()));
            if (d.defined()) {
                ClassMetrics m = d.metrics();
                s.append(String.format(Locale.ROOT, "Acc %.4f   UF1 %.4f   UAR %.4f", m.accuracy(), m.uf1(), m.uar()));
            } else {
                s.append(String.format(Locale.ROOT, "Acc %.4f   (UF1/UAR undefined: %s)", d.confusion().accuracy(),
                        d.error()));
            }
            s.append(NL);
        }
        s.append(NL);

        s.append("per fold").append(NL);
        for (EvaluationReport.FoldResult f : r.folds()) {
            s.append(String.format(Locale.ROOT, "  fold %3d  %-12s  n %4d  Acc %.4f%n", f.fold(),
                    String.join("+", f.subjects()), f.samples(), f.accuracy()));
        }

        if (!r.heldOutCurve().isEmpty()) {
            s.append(NL).append("held-out metrics after each epoch (pooled; for choosing settings in cv, never in LOSO)")
                    .append(NL);
            List<EvaluationReport.HeldOutPoint> curve = r.heldOutCurve();
            int step = Math.max(1, curve.size() / 10);
            for (int i = 0; i < curve.size(); i++) {
                if (i % step == step - 1 || i == curve.size() - 1) {
                    EvaluationReport.HeldOutPoint p = curve.get(i);
                    s.append(String.format(Locale.ROOT, "  epoch %4d  Acc %.4f   UF1 %.4f   UAR %.4f%n", p.epoch(),
                            p.metrics().accuracy(), p.metrics().uf1(), p.metrics().uar()));
                }
            }
        }

        List<String> meta = new ArrayList<>();
        r.seed().ifPresent(seed -> meta.add("seed " + seed));
        r.libraryVersion().ifPresent(v -> meta.add("library " + v));
        r.wallTimeSeconds().ifPresent(t -> meta.add(String.format(Locale.ROOT, "wall time %.1f s", t)));
        if (!meta.isEmpty()) {
            s.append(NL).append(String.join(", ", meta)).append(NL);
        }
        return s.toString();
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private static String padLeft(String text, int width) {
        return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
    }
}
