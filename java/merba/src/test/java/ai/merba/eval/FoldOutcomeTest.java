package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The message a fold fan-out sends: every value comes back exactly, including doubles and "not tracked". */
class FoldOutcomeTest {
    @Test
    void roundTripsExactly() {
        List<PredictionRecord> records = List.of(new PredictionRecord(3, "casme2", "sub01", "EP02_01f", 0, 2),
                new PredictionRecord(3, "smic", "s20", "s20_ne_03 ü", 1, 1));
        FoldOutcome outcome = new FoldOutcome(records,
                List.of(new EvaluationReport.EpochPoint(1, 1.0986122886681098, 1.0 / 3, 1e-3 / 7, Double.NaN),
                        new EvaluationReport.EpochPoint(2, 0.1 + 0.2, 0.5, 4.9e-324, 0.75)),
                List.of(records, List.of(records.get(1))));
        FoldOutcome back = FoldOutcome.fromJson(outcome.toJson());
        assertThat(back).isEqualTo(outcome);  // record equality: Double.NaN equals itself here
        assertThat(back.curve().get(0).hasHeldOut()).isFalse();
    }

    @Test
    void aDamagedMessageIsAnErrorNamingIt() {
        assertThatThrownBy(() -> FoldOutcome.fromJson("{\"records\": [{\"fold\": -1}]}"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fold's outcome from another process");
    }
}
