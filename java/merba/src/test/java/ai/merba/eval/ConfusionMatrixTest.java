package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
    @Test
    void countsRowsTruthColumnsPrediction() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        m.add(0, 0);
        m.add(0, 1);
        m.add(0, 1);
        m.add(2, 0);
        assertThat(m.numClasses()).isEqualTo(3);
        assertThat(m.count(0, 1)).isEqualTo(2);
        assertThat(m.count(1, 0)).isZero();
        assertThat(m.count(2, 0)).isEqualTo(1);
        assertThat(m.total()).isEqualTo(4);
        assertThat(m.truthCount(0)).isEqualTo(3);
        assertThat(m.predictedCount(0)).isEqualTo(2);
        assertThat(m.counts()).isDeepEqualTo(new long[][] {{1, 2, 0}, {0, 0, 0}, {1, 0, 0}});
        assertThat(m).hasToString("ConfusionMatrix[[1, 2, 0], [0, 0, 0], [1, 0, 0]]");
    }

    @Test
    void accuracyIsTheDiagonalOverTheTotalEvenWithAnAbsentClass() {
        ConfusionMatrix m = ConfusionMatrix.of(new long[][] {{3, 1, 0}, {2, 4, 0}, {0, 0, 0}});
        assertThat(m.correct()).isEqualTo(7);
        assertThat(m.accuracy()).isEqualTo(0.7);
        assertThat(new ConfusionMatrix(2).accuracy()).isNaN();
    }

    @Test
    void countsIsACopy() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.counts()[0][0] = 7;
        assertThat(m.total()).isZero();
    }

    @Test
    void plusAddsWithoutChangingEither() {
        ConfusionMatrix a = ConfusionMatrix.of(new long[][] {{1, 2}, {3, 4}});
        ConfusionMatrix b = ConfusionMatrix.of(new long[][] {{10, 0}, {0, 10}});
        assertThat(a.plus(b).counts()).isDeepEqualTo(new long[][] {{11, 2}, {3, 14}});
        assertThat(a.total()).isEqualTo(10);
        assertThat(b.total()).isEqualTo(20);
        assertThat(a.plus(b)).isEqualTo(b.plus(a));
        assertThatThrownBy(() -> a.plus(new ConfusionMatrix(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 classes");
    }

    @Test
    void rejectsBadIndicesAndShapes() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        assertThatThrownBy(() -> m.add(3, 0)).hasMessageContaining("truth = 3 is out of range 0..2");
        assertThatThrownBy(() -> m.add(0, -1)).hasMessageContaining("predicted = -1");
        assertThatThrownBy(() -> new ConfusionMatrix(0)).hasMessageContaining("k = 0");
        assertThatThrownBy(() -> ConfusionMatrix.of(new long[][] {{1, 2}})).hasMessageContaining("counts[0]");
        assertThatThrownBy(() -> ConfusionMatrix.of(new long[][] {{1, -2}, {0, 0}}))
                .hasMessageContaining("counts[0][1] = -2");
    }
}
