package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ClassMetricsTest {
    static final List<String> MEGC3 = List.of("negative", "positive", "surprise");
    static final Offset<Double> EXACT = within(1e-12);

    @Test
    void classNeverPredicted() {
        //                 predicted: neg pos sur    N_k
        // truth negative             5   1   0      6
        // truth positive             2   3   0      5
        // truth surprise             1   2   0      3   (surprise is never predicted)
        // column sums                8   6   0     N = 14
        //
        // Acc = (5 + 3 + 0) / 14 = 8/14
        // negative: TP 5, FP 8-5 = 3, FN 6-5 = 1 -> F1 = 10 / (10 + 3 + 1) = 10/14 = 5/7;  recall 5/6
        // positive: TP 3, FP 6-3 = 3, FN 5-3 = 2 -> F1 =  6 / ( 6 + 3 + 2) =  6/11;        recall 3/5
        // surprise: TP 0, FP 0,       FN 3       -> F1 =  0 / ( 0 + 0 + 3) =  0;           recall 0
        // UF1 = (5/7 + 6/11 + 0) / 3 = (55/77 + 42/77) / 3 = 97/231 ≈ 0.41991
        // UAR = (5/6 + 3/5 + 0) / 3 = (25/30 + 18/30) / 3 = 43/90 ≈ 0.47778
        ConfusionMatrix m = ConfusionMatrix.of(new long[][] {{5, 1, 0}, {2, 3, 0}, {1, 2, 0}});
        ClassMetrics c = ClassMetrics.of(m, MEGC3);
        assertThat(c.accuracy()).isCloseTo(8.0 / 14, EXACT);
        assertThat(c.uf1()).isCloseTo(97.0 / 231, EXACT);
        assertThat(c.uar()).isCloseTo(43.0 / 90, EXACT);
        assertThat(c.f1PerClass()).containsExactly(new double[] {5.0 / 7, 6.0 / 11, 0}, within(1e-12));
        assertThat(c.recallPerClass()).containsExactly(new double[] {5.0 / 6, 3.0 / 5, 0}, within(1e-12));
        assertThat(c.samples()).isEqualTo(14);
        assertThat(c.numClasses()).isEqualTo(3);
    }

    @Test
    void twoClasses() {
        //            pred 0  pred 1
        // truth 0       3       1      N_0 = 4
        // truth 1       0       4      N_1 = 4
        // Acc = 7/8
        // class 0: TP 3, FP 0, FN 1 -> F1 = 6/7; recall 3/4
        // class 1: TP 4, FP 1, FN 0 -> F1 = 8/9; recall 1
        // UF1 = (6/7 + 8/9) / 2 = (54/63 + 56/63) / 2 = 55/63; UAR = (3/4 + 1) / 2 = 7/8
        ClassMetrics c = ClassMetrics.of(ConfusionMatrix.of(new long[][] {{3, 1}, {0, 4}}), List.of("a", "b"));
        assertThat(c.accuracy()).isCloseTo(7.0 / 8, EXACT);
        assertThat(c.uf1()).isCloseTo(55.0 / 63, EXACT);
        assertThat(c.uar()).isCloseTo(7.0 / 8, EXACT);
    }

    @Test
    void perfect() {
        ClassMetrics c = ClassMetrics.of(ConfusionMatrix.of(new long[][] {{2, 0, 0}, {0, 1, 0}, {0, 0, 5}}), MEGC3);
        assertThat(c.accuracy()).isEqualTo(1.0);
        assertThat(c.uf1()).isEqualTo(1.0);
        assertThat(c.uar()).isEqualTo(1.0);
    }

    @Test
    void classAbsentFromTruthIsAnError() {
        // Surprise is predicted once but never true: its recall 0/0 is undefined.
        ConfusionMatrix m = ConfusionMatrix.of(new long[][] {{5, 1, 1}, {2, 3, 0}, {0, 0, 0}});
        assertThatThrownBy(() -> ClassMetrics.of(m, MEGC3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class 'surprise' has no samples in the truth: UF1/UAR undefined");
        ConfusionMatrix two = ConfusionMatrix.of(new long[][] {{5, 0, 0}, {0, 0, 0}, {0, 0, 0}});
        assertThatThrownBy(() -> ClassMetrics.of(two, MEGC3))
                .hasMessage("classes 'positive', 'surprise' have no samples in the truth: UF1/UAR undefined");
    }

    @Test
    void emptyMatrixAndMismatchedNamesAreErrors() {
        assertThatThrownBy(() -> ClassMetrics.of(new ConfusionMatrix(3), MEGC3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> ClassMetrics.of(ConfusionMatrix.of(new long[][] {{1, 0}, {0, 1}}), MEGC3))
                .hasMessageContaining("classNames has 3 entries but the confusion matrix has 2 classes");
    }

    @Test
    void arraysAreCopiedInAndOut() {
        double[] f1 = {0.5, 0.25};
        ClassMetrics c = new ClassMetrics(0.5, 0.375, 0.4, f1, new double[] {0.3, 0.5}, 8);
        f1[0] = 9;
        c.f1PerClass()[1] = 9;
        assertThat(c.f1PerClass()).containsExactly(0.5, 0.25);
        assertThat(c).isEqualTo(new ClassMetrics(0.5, 0.375, 0.4, new double[] {0.5, 0.25}, new double[] {0.3, 0.5}, 8));
    }
}
