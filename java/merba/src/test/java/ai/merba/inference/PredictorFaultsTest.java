package ai.merba.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Inputs a service must not answer silently: non-finite samples and empty batches (issue 14). */
class PredictorFaultsTest {
    private static final ModelConfig CONFIG = ModelConfig.preset("composite-28");
    private static final int SAMPLE = 3 * 28 * 28;

    @Test
    void nonFiniteSamplesAreRefusedNamingTheSampleUnlessAllowed() {
        try (MerbaModel model = MerbaModel.create(CONFIG, LabelScheme.builtIn("megc-3"), 1);
                Predictor predictor = Predictor.of(model)) {
            float[] batch = new float[3 * SAMPLE];
            batch[2 * SAMPLE + 17] = Float.NaN;
            assertThatThrownBy(() -> predictor.predict(batch, 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input sample 2 holds NaN or infinite values");
            float[] infinite = new float[SAMPLE];
            Arrays.fill(infinite, Float.POSITIVE_INFINITY);
            assertThatThrownBy(() -> predictor.predict(infinite)).hasMessageContaining("input sample 0");
            float[] allNaN = new float[SAMPLE];
            Arrays.fill(allNaN, Float.NaN);
            assertThatThrownBy(() -> predictor.predict(allNaN)).hasMessageContaining("input sample 0");
            // Opting out predicts, and the probabilities say what happened.
            List<Prediction> p = predictor.withNonFiniteInputs(true).predict(allNaN, 1);
            assertThat(p.get(0).fineProbability()).isNaN();
            // The other samples of a refused batch are fine on their own.
            assertThat(predictor.withNonFiniteInputs(false).predict(Arrays.copyOf(batch, SAMPLE), 1)).hasSize(1);
        }
    }

    @Test
    void anEmptyBatchIsRefusedWithAClearMessage() {
        try (MerbaModel model = MerbaModel.create(CONFIG, LabelScheme.builtIn("megc-3"), 1);
                Tensor empty = torch.empty(0, 3, 28, 28)) {
            model.eval();
            assertThatThrownBy(() -> model.predict(empty)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds no samples");
            assertThatThrownBy(() -> model.forward(empty)).hasMessageContaining("holds no samples");
            assertThatThrownBy(() -> model.predict(new float[0], 0)).hasMessageContaining("batch = 0");
        }
    }
}
