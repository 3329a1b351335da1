package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static ai.merba.Fixtures.MEGC3;
import static ai.merba.Fixtures.SMALL;
import static ai.merba.Fixtures.synthetic;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.data.DecodedFlow;
import ai.merba.data.FlowDataset;
import ai.merba.data.FlowDecoder;
import ai.merba.inference.Predictor;
import ai.merba.model.InputCentring;
import ai.merba.model.MerbaModel;
import ai.merba.model.Prediction;
import ai.merba.train.listener.CheckpointListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The recipe switches seen from Java: input centring, the weight average, class weighting, locale-proof tokens. */
class TrainerRecipeTest {

    private static double[] probabilities(List<Prediction> predictions) {
        double[] p = new double[predictions.size() * 3];
        for (int i = 0; i < predictions.size(); i++) {
            System.arraycopy(predictions.get(i).fineDistribution(), 0, p, 3 * i, 3);
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(value = InputCentring.class, names = {"ZERO_LEVEL", "ZERO_LEVEL_SCALED"})
    void theModelRemembersItsCentringAndThePredictorAppliesIt(InputCentring centring, @TempDir Path dir)
            throws Exception {
        TrainingConfig config = TrainingConfig.builder().optEpochs(1).optInputCentring(centring).build();
        Path checkpoint = dir.resolve("centred.safetensors");
        Path file = synthetic().sample(0).file();
        double[] direct;
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 5)) {
            assertThat(model.inputCentring()).isEqualTo(InputCentring.NONE);
            new Trainer(model, config, 5).fit(synthetic(), null);
            assertThat(model.inputCentring()).isEqualTo(centring);
            Checkpoint.save(model, checkpoint);
            model.eval();
            DecodedFlow flow = FlowDecoder.read(file, 3, 28);
            float[] input = centring == InputCentring.ZERO_LEVEL ? flow.centred() : flow.scaled();
            direct = probabilities(model.predict(input, 1));
            // The raw image, or the other centring, would be another input: neither is a no-op on this data.
            assertThat(probabilities(model.predict(flow.values(), 1))).isNotEqualTo(direct);
            float[] other = centring == InputCentring.ZERO_LEVEL ? flow.scaled() : flow.centred();
            assertThat(probabilities(model.predict(other, 1))).isNotEqualTo(direct);
        }
        assertThat(Checkpoint.readMetadata(checkpoint).inputCentring()).isEqualTo(centring);
        try (Predictor predictor = Predictor.load(checkpoint)) {
            assertThat(predictor.inputCentring()).isEqualTo(centring);
            assertThat(probabilities(List.of(predictor.predict(file)))).containsExactly(direct, within(1e-6));
        }
    }

    @Test
    void withAWeightAverageTheModelIsEvaluatedAndSavedWithTheAverage(@TempDir Path dir) throws Exception {
        TrainingConfig averaged = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(0).optLearningRate(3e-3)
                .optEmaDecay(0.8).build();
        FlowDataset train = synthetic().subset(java.util.stream.IntStream.range(0, 64).toArray());
        FlowDataset held = synthetic().subset(java.util.stream.IntStream.range(64, 96).toArray());
        Path checkpoint = dir.resolve("ema.safetensors");
        List<ValidationResult> validations = new ArrayList<>();
        double[] withAverage, fromCheckpoint, withoutAverage;
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 6)) {
            new Trainer(model, averaged, 6).addListener(new CheckpointListener(checkpoint))
                    .addListener(new TrainingListener() {
                        @Override
                        public void onValidation(Trainer t, ValidationResult v) {
                            validations.add(v);
                        }
                    }).fit(train, held);
            List<Prediction> after = Trainer.predict(model, held, 32);
            withAverage = probabilities(after);
            // The last validation predicted with the weights the model holds after fit: the average.
            for (int i = 0; i < held.size(); i++) {
                assertThat(validations.get(1).predicted()[i]).isEqualTo(after.get(i).fineIndex());
            }
        }
        try (Predictor predictor = Predictor.load(checkpoint)) {
            fromCheckpoint = probabilities(predictor.predictSamples(
                    java.util.stream.IntStream.range(0, held.size()).mapToObj(held::features).toList(), 32));
        }
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 6)) {
            new Trainer(model, averaged.toBuilder().optEmaDecay(0).build(), 6).fit(train, null);
            withoutAverage = probabilities(Trainer.predict(model, held, 32));
        }
        assertThat(fromCheckpoint).containsExactly(withAverage, within(1e-6));
        assertThat(withoutAverage).isNotEqualTo(withAverage);
    }

    @Test
    void classWeightsNoneBalancedAndSquareRoot() {
        int[] counts = {60, 30, 10};  // N = 100, K = 3
        assertThat(TrainingConfig.builder().build().classWeights(counts)).isNull();
        double[] balanced = TrainingConfig.builder().optClassWeighting(TrainingConfig.ClassWeighting.BALANCED).build()
                .classWeights(counts);
        assertThat(balanced).containsExactly(new double[] {100 / 180.0, 100 / 90.0, 100 / 30.0}, within(1e-12));
        double[] sqrt = TrainingConfig.builder().optClassWeighting(TrainingConfig.ClassWeighting.SQRT).build()
                .classWeights(counts);
        assertThat(sqrt).containsExactly(new double[] {Math.sqrt(100 / 180.0), Math.sqrt(100 / 90.0),
                Math.sqrt(100 / 30.0)}, within(1e-12));
        // An absent class gets weight 1 and does not count in K.
        assertThat(TrainingConfig.builder().optClassWeighting(TrainingConfig.ClassWeighting.BALANCED).build()
                .classWeights(new int[] {50, 0, 50})).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void enumTokensAreTheSameUnderATurkishLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            TrainingConfig config = TrainingConfig.fromJson(
                    "{\"epochs\": 1, \"class_weighting\": \"BALANCED\", \"input_centring\": \"ZERO_LEVEL\"}");
            assertThat(config.classWeighting()).isEqualTo(TrainingConfig.ClassWeighting.BALANCED);
            assertThat(config.toJson()).contains("\"class_weighting\":\"balanced\"", "\"input_centring\":\"zero_level\"");
            // The native side accepts what Java writes: one epoch trains.
            try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 1)) {
                assertThat(new Trainer(model, config, 1).fit(synthetic(), null).epochs()).hasSize(1);
            }
        } finally {
            Locale.setDefault(saved);
        }
    }
}
