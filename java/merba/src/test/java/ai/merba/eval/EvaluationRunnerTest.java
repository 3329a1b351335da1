package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static ai.merba.Fixtures.MEGC3;
import static ai.merba.Fixtures.SMALL;
import static ai.merba.Fixtures.synthetic;

import ai.merba.data.FlowDataset;
import ai.merba.train.TrainingConfig;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Cross-validation and LOSO runs: folds, curves and the held-out curve, reproducibility. */
class EvaluationRunnerTest {

    @Test
    void crossValidationReportsEveryFoldWithItsCurves() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optEmaDecay(0.9).build();
        EvaluationReport r = new EvaluationRunner(SMALL, config, 3).withHeldOutCurve(true).crossValidate(synthetic(), 3, 1);
        assertThat(r.protocol()).isEqualTo("cv-3");
        assertThat(r.folds()).hasSize(3);
        assertThat(r.predictions()).hasSize(synthetic().size());
        for (EvaluationReport.FoldResult f : r.folds()) {
            assertThat(f.curve()).extracting(EvaluationReport.EpochPoint::epoch).containsExactly(1, 2);
            assertThat(f.curve()).allMatch(EvaluationReport.EpochPoint::hasHeldOut);
            // The last held-out accuracy is the fold's final accuracy: the same weights predicted both.
            assertThat(f.curve().get(1).heldOutAccuracy()).isEqualTo(f.accuracy());
        }
        assertThat(r.heldOutCurve()).hasSize(2);
        assertThat(r.heldOutCurve().get(1).metrics()).isEqualTo(r.pooled());
        // The same seeds give the same report.
        EvaluationReport again = new EvaluationRunner(SMALL, config, 3).withHeldOutCurve(true).crossValidate(synthetic(), 3, 1);
        assertThat(again.predictions()).isEqualTo(r.predictions());
    }

    @Test
    void losoWithoutTrackingHasNoHeldOutCurve() {
        FlowDataset four = synthetic().subset(IntStream.range(0, synthetic().size())
                .filter(i -> synthetic().subjects().subList(0, 3).contains(synthetic().sample(i).subject())).toArray());
        EvaluationReport r = new EvaluationRunner(SMALL, TrainingConfig.builder().optEpochs(1).build(), 3).loso(four);
        assertThat(r.protocol()).isEqualTo("loso");
        assertThat(r.folds()).hasSize(3).allMatch(f -> f.subjects().size() == 1 && f.curve().size() == 1);
        assertThat(r.heldOutCurve()).isEmpty();
    }

    @Test
    void dataWithoutSomeClassIsRefusedBeforeTraining() {
        FlowDataset noSurprise = synthetic().subset(IntStream.range(0, synthetic().size())
                .filter(i -> synthetic().label(i) != 2).toArray());
        long start = System.nanoTime();
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, TrainingConfig.builder().optEpochs(50).build(), 3)
                .loso(noSurprise)).hasMessageContaining("class 'surprise' has no samples");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }
}
