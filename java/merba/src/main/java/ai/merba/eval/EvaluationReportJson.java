package ai.merba.eval;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The JSON form of an {@link EvaluationReport}. Keys (snake_case): {@code protocol}, {@code classes},
 * {@code samples}, {@code pooled}, {@code datasets}, {@code folds} (each with its training {@code curve}),
 * {@code held_out_curve}, {@code model_config}, {@code training_config}, {@code seed}, {@code library_version},
 * {@code wall_time_seconds}, {@code data}, {@code predictions}. Metadata not given is {@code null}; the configs
 * are embedded as JSON objects. Per-class numbers are objects keyed by class name; confusion matrices are arrays
 * of rows (truth) in class order; a value not tracked (a fold's held-out accuracy) is {@code null}.
 */
public final class EvaluationReportJson {
    private EvaluationReportJson() {}

    /** The report as pretty-printed JSON. */
    public static String write(EvaluationReport r) {
        ObjectNode root = JsonFields.MAPPER.createObjectNode();
        List<String> classNames = r.classNames();
        root.put("protocol", r.protocol());
        ArrayNode classes = root.putArray("classes");
        classNames.forEach(classes::add);
        root.put("samples", r.pooled().samples());
        ObjectNode pooledNode = root.putObject("pooled");
        putMetrics(pooledNode, r.pooled(), classNames);
        putConfusion(pooledNode, r.confusion());
        ArrayNode dsArray = root.putArray("datasets");
        for (EvaluationReport.DatasetResult d : r.datasets()) {
            ObjectNode node = dsArray.addObject();
            node.put("dataset", d.dataset());
            node.put("samples", d.samples());
            if (d.defined()) {
                putMetrics(node, d.metrics(), classNames);
            } else {
                node.put("accuracy", d.confusion().accuracy());  // defined even where UF1/UAR are not
                node.put("error", d.error());
            }
            putConfusion(node, d.confusion());
        }
        ArrayNode foldArray = root.putArray("folds");
        for (EvaluationReport.FoldResult f : r.folds()) {
            ObjectNode node = foldArray.addObject();
            node.put("fold", f.fold());
            ArrayNode subjects = node.putArray("subjects");
            f.subjects().forEach(subjects::add);
            node.put("samples", f.samples());
            node.put("correct", f.correct());
            node.put("accuracy", f.accuracy());
            ArrayNode curve = node.putArray("curve");
            for (EvaluationReport.EpochPoint p : f.curve()) {
                ObjectNode point = curve.addObject();
                point.put("epoch", p.epoch());
                point.put("loss", p.loss());
                point.put("accuracy", p.accuracy());
                point.put("learning_rate", p.learningRate());
                if (p.hasHeldOut()) {
                    point.put("held_out_accuracy", p.heldOutAccuracy());
                } else {
                    point.putNull("held_out_accuracy");
                }
            }
        }
        ArrayNode held = root.putArray("held_out_curve");
        for (EvaluationReport.HeldOutPoint p : r.heldOutCurve()) {
            ObjectNode point = held.addObject();
            point.put("epoch", p.epoch());
            point.put("accuracy", p.metrics().accuracy());
            point.put("uf1", p.metrics().uf1());
            point.put("uar", p.metrics().uar());
        }
        root.set("model_config", r.modelConfig().orElse(root.nullNode()));
        root.set("training_config", r.trainingConfig().orElse(root.nullNode()));
        if (r.seed().isPresent()) {
            root.put("seed", r.seed().getAsLong());
        } else {
            root.putNull("seed");
        }
        root.put("library_version", r.libraryVersion().orElse(null));
        if (r.wallTimeSeconds().isPresent()) {
            root.put("wall_time_seconds", r.wallTimeSeconds().getAsDouble());
        } else {
            root.putNull("wall_time_seconds");
        }
        root.put("data", r.data().orElse(null));
        ArrayNode preds = root.putArray("predictions");
        for (PredictionRecord p : r.predictions()) {
            ObjectNode node = preds.addObject();
            node.put("fold", p.fold());
            node.put("dataset", p.dataset());
            node.put("subject", p.subject());
            node.put("sample", p.sample());
            node.put("truth", p.truth());
            node.put("predicted", p.predicted());
        }
        try {
            return JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    private static void putMetrics(ObjectNode node, ClassMetrics m, List<String> classNames) {
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
}
