package ai.merba.eval;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;

/**
 * What one fold of an evaluation produced: its held-out predictions with the last weights, its per-epoch curve and,
 * when tracked, its held-out predictions after every epoch. The unit a fold fan-out sends between processes, as
 * JSON (doubles written in their shortest exact form, so that the report a gathering rank builds is the one a
 * single process builds).
 */
record FoldOutcome(List<PredictionRecord> records, List<EvaluationReport.EpochPoint> curve,
        List<List<PredictionRecord>> heldOut) {

    String toJson() {
        try {
            return JsonFields.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write a fold's outcome as JSON", e);
        }
    }

    static FoldOutcome fromJson(String json) {
        try {
            return JsonFields.MAPPER.readValue(json, FoldOutcome.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a fold's outcome from another process is not valid: " + e.getMessage(), e);
        }
    }
}
