package ai.merba.model;

import static ai.merba.Fixtures.SMALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Averaging members' distributions, and the DGCM rule applied to the average. */
class EnsemblePredictionTest {
    // casme2-5: happiness→positive(0), disgust→negative(1), repression→negative(1), surprise(2), others(3).
    private static final LabelScheme CASME2 = LabelScheme.builtIn("casme2-5");

    private static Prediction member(double[] coarse, double[] fine) {
        return new Prediction(0, "positive", coarse[0], 0, "happiness", fine[0], coarse, fine);
    }

    // A would say negative/disgust (hard), B positive/happiness; their mean says negative by its group but
    // happiness by its largest single class.
    private static final Prediction A = member(new double[] {0.30, 0.50, 0.10, 0.10},
            new double[] {0.30, 0.26, 0.24, 0.10, 0.10});
    private static final Prediction B = member(new double[] {0.50, 0.40, 0.05, 0.05},
            new double[] {0.50, 0.12, 0.28, 0.05, 0.05});

    @Test
    void hardModeChoosesTheGroupOfTheMeanThenItsBestFineClass() {
        Prediction p = EnsemblePrediction.combine(List.of(A, B), CASME2, DgcmMode.HARD);
        assertThat(p.coarseDistribution()).containsExactly(new double[] {0.40, 0.45, 0.075, 0.075}, within(1e-15));
        assertThat(p.fineDistribution()).containsExactly(new double[] {0.40, 0.19, 0.26, 0.075, 0.075}, within(1e-15));
        assertThat(p.coarseIndex()).isEqualTo(1);
        assertThat(p.coarseLabel()).isEqualTo("negative");
        assertThat(p.coarseProbability()).isCloseTo(0.45, within(1e-15));
        // Neither member's fine choice: repression has the larger mean inside the negative group.
        assertThat(p.fineIndex()).isEqualTo(2);
        assertThat(p.fineLabel()).isEqualTo("repression");
        assertThat(p.fineProbability()).isCloseTo(0.26, within(1e-15));
    }

    @Test
    void softAndFlatModesChooseTheLargestMeanFineClassAndItsGroup() {
        for (DgcmMode mode : List.of(DgcmMode.SOFT, DgcmMode.FLAT)) {
            Prediction p = EnsemblePrediction.combine(List.of(A, B), CASME2, mode);
            assertThat(p.fineIndex()).as(mode.token()).isEqualTo(0);
            assertThat(p.fineLabel()).isEqualTo("happiness");
            assertThat(p.coarseIndex()).isEqualTo(0);
            assertThat(p.coarseProbability()).isCloseTo(0.40, within(1e-15));
        }
    }

    @Test
    void theMeanCanPickAClassNoMemberPicked() {
        LabelScheme megc3 = LabelScheme.builtIn("megc-3");
        double[] x = {0.6, 0.4, 0.0}, y = {0.0, 0.45, 0.55};
        Prediction p = EnsemblePrediction.combine(List.of(member(x, x), member(y, y)), megc3, DgcmMode.HARD);
        assertThat(p.fineIndex()).isEqualTo(1);
        assertThat(p.fineProbability()).isCloseTo(0.425, within(1e-15));
    }

    @Test
    void oneMemberIsItsOwnPrediction() {
        assertThat(EnsemblePrediction.combine(List.of(A), CASME2, DgcmMode.HARD)).isSameAs(A);
    }

    /** Copies of one model's predictions, averaged, give what the model's own head chose, in every head mode. */
    @ParameterizedTest
    @EnumSource(DgcmMode.class)
    void copiesOfOneModelAgreeWithItsHead(DgcmMode mode) {
        ModelConfig config = SMALL.toBuilder().optDgcm(mode).build();
        SplittableRandom random = new SplittableRandom(5);
        int batch = 16, size = config.inChannels() * config.inputSize() * config.inputSize();
        float[] samples = new float[batch * size];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) random.nextGaussian();
        }
        try (MerbaModel model = MerbaModel.create(config, CASME2, 11)) {
            model.eval();
            for (Prediction own : model.predict(samples, batch)) {
                Prediction p = EnsemblePrediction.combine(List.of(own, own, own), CASME2, mode);
                assertThat(p.fineIndex()).isEqualTo(own.fineIndex());
                assertThat(p.coarseIndex()).isEqualTo(own.coarseIndex());
                assertThat(p.fineProbability()).isCloseTo(own.fineProbability(), within(1e-12));
            }
        }
    }

    @Test
    void badMembersAreRefused() {
        assertThatThrownBy(() -> EnsemblePrediction.combine(List.of(), CASME2, DgcmMode.HARD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        LabelScheme megc3 = LabelScheme.builtIn("megc-3");
        assertThatThrownBy(() -> EnsemblePrediction.combine(List.of(A, B), megc3, DgcmMode.HARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 coarse and 5 fine").hasMessageContaining("'megc-3' has 3 and 3");
        Prediction diverged = member(new double[] {Double.NaN, 0.5, 0.25, 0.25},
                new double[] {Double.NaN, 0.2, 0.3, 0.25, 0.25});
        assertThatThrownBy(() -> EnsemblePrediction.combine(List.of(A, diverged), CASME2, DgcmMode.HARD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not finite");
    }
}
