package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.presets.MerbaNative;
import ai.merba.train.listener.EarlyStopping;
import ai.merba.train.listener.LoggingListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Training from Java on the bundled synthetic data. */
class TrainerTest {
    private static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    private static FlowDataset synthetic;

    @BeforeAll
    static void loadSynthetic() {
        Path manifest = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic", "manifest.csv");
        synthetic = FlowDataset.load(Manifest.load(manifest, MEGC3, 3, 28));
    }

    private static FlowDataset subjects(FlowDataset data, List<String> keep) {
        return data.subset(IntStream.range(0, data.size()).filter(i -> keep.contains(data.sample(i).subject())).toArray());
    }

    @Test
    void learnsTheSyntheticDataWellAboveChance() {
        List<String> subjects = synthetic.subjects();
        FlowDataset train = subjects(synthetic, subjects.subList(0, 6));
        FlowDataset test = subjects(synthetic, subjects.subList(6, subjects.size()));
        TrainingConfig config = TrainingConfig.builder().optEpochs(30).optWarmupEpochs(3).optBatchSize(16)
                .optLearningRate(2e-3).build();
        StringBuilder log = new StringBuilder();
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), MEGC3, 1)) {
            // The lines LoggingListener logs (through SLF4J, which has no binding in this module's tests).
            Trainer trainer = new Trainer(model, config, 7).addListener(new LoggingListener(4)).addListener(
                    new TrainingListener() {
                        @Override
                        public void onEpochEnd(Trainer t, EpochResult e) {
                            log.append(LoggingListener.epochLine(e)).append('\n');
                        }

                        @Override
                        public void onValidation(Trainer t, ValidationResult v) {
                            log.append(LoggingListener.validationLine(v)).append('\n');
                        }
                    });
            TrainingResult result = trainer.fit(train, test);
            assertEquals(30, result.epochs().size());
            assertThat(result.last().loss()).isLessThan(result.epochs().get(0).loss());
            double accuracy = trainer.accuracy(test);
            // Three balanced classes: chance is 1/3.
            assertThat(accuracy).as("held-out accuracy; log:%n%s", log).isGreaterThan(0.7);
        }
        assertThat(log.toString()).contains("epoch   4/30").contains("samples/s").contains("P90").contains("validation acc");
    }

    @Test
    void runsAreReproducibleFromTheSeed() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optBatchSize(16).build();
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), MEGC3, 3)) {
                losses[run] = new Trainer(model, config, 11).fit(synthetic, null).last().loss();
            }
        }
        assertEquals(losses[0], losses[1], 0.0);
    }

    @Test
    void nativeMemoryDoesNotGrowOverEpochs() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(8).optWarmupEpochs(1).optBatchSize(16).build();
        List<Long> bytes = new ArrayList<>();
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), MEGC3, 3)) {
            Trainer trainer = new Trainer(model, config, 1).addListener(new TrainingListener() {
                @Override
                public void onEpochEnd(Trainer t, EpochResult e) {
                    bytes.add(Pointer.physicalBytes());
                }
            });
            trainer.fit(synthetic, null);
        }
        // Allow the allocator to settle over the first epochs; afterwards resident memory must stay flat.
        long settled = bytes.get(2), last = bytes.get(bytes.size() - 1);
        assertThat(last - settled).as("resident bytes per epoch: %s", bytes).isLessThan(64L << 20);
    }

    @Test
    void earlyStoppingStopsAfterPatienceWithoutImprovement() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(30).optWarmupEpochs(0).optBatchSize(32)
                .optLearningRate(1e-9).optMinLearningRate(1e-9).build();  // learns nothing: accuracy stays flat
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), MEGC3, 3)) {
            EarlyStopping stopping = new EarlyStopping(2, 0.0);
            TrainingResult r = new Trainer(model, config, 1).addListener(stopping).fit(synthetic, synthetic);
            assertThat(r.stoppedEarly()).isTrue();
            assertThat(r.epochs()).hasSizeLessThan(30);
            assertEquals(1, stopping.bestEpoch());
        }
    }

    @Test
    void scheduleAsTheNativeSideComputesIt() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(10).optWarmupEpochs(2).build();
        String options = config.toNativeJson(5, null);  // 5 steps per epoch: 10 warm-up steps, 50 in all
        assertEquals(5e-4 * 1 / 10, MerbaNative.learningRateAt(options, 0), 1e-15);
        assertEquals(5e-4, MerbaNative.learningRateAt(options, 9), 1e-15);
        assertEquals(1e-6 + (5e-4 - 1e-6) * 0.5, MerbaNative.learningRateAt(options, 30), 1e-15);
        assertEquals(1e-6, MerbaNative.learningRateAt(options, 50), 1e-15);
    }

    @Test
    void configJsonRoundTripsAndRejectsBadValues() {
        TrainingConfig c = TrainingConfig.builder().optEpochs(7).optClassWeighting(TrainingConfig.ClassWeighting.SQRT)
                .optInputCentring(InputCentring.ZERO_LEVEL).optLabelSmoothing(0.1).optMixupAlpha(0.2).optEmaDecay(0.99)
                .build();
        assertEquals(c, TrainingConfig.fromJson(c.toJson()));
        assertThat(TrainingConfig.fromJson("{}")).isEqualTo(TrainingConfig.builder().build());
        assertThat(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.fromJson("{\"epoch\": 3}"))
                .getMessage()).contains("unknown key 'epoch'");
        assertThat(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optBatchSize(0).build())
                .getMessage()).contains("batch_size");
        assertThat(assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().optFlipProbability(2).build())
                .getMessage()).contains("flip_probability");
    }

    @Test
    void mismatchedDataIsRefused() {
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), LabelScheme.builtIn("casme2-5"), 1)) {
            Trainer trainer = new Trainer(model, TrainingConfig.builder().optEpochs(1).build(), 1);
            assertThat(assertThrows(IllegalArgumentException.class, () -> trainer.fit(synthetic, null)).getMessage())
                    .contains("has 3 classes but the model's has 5");
        }
    }

    @Test
    void listenersSeeEveryEpochAndBatch() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optBatchSize(40).build();
        List<String> events = new ArrayList<>();
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), MEGC3, 3)) {
            new Trainer(model, config, 1).addListener(new TrainingListener() {
                @Override public void onTrainingBegin(Trainer t, int epochs, int batches) { events.add("begin " + epochs + "x" + batches); }
                @Override public void onEpochBegin(Trainer t, int epoch) { events.add("epoch " + epoch); }
                @Override public void onBatchEnd(Trainer t, BatchResult b) { events.add("batch " + b.batch() + " n=" + b.samples()); }
                @Override public void onEpochEnd(Trainer t, EpochResult e) { events.add("end " + e.epoch()); }
                @Override public void onTrainingEnd(Trainer t, TrainingResult r) { events.add("done"); }
            }).fit(synthetic, null);
        }
        // 96 samples in batches of 40: 40, 40, 16.
        assertEquals(Arrays.asList("begin 2x3", "epoch 1", "batch 1 n=40", "batch 2 n=40", "batch 3 n=16", "end 1",
                "epoch 2", "batch 1 n=40", "batch 2 n=40", "batch 3 n=16", "end 2", "done"), events);
    }
}
