package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.checkpoint.IncompatibleCheckpointException;
import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.train.listener.CheckpointListener;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints during training, and resuming a stopped run. */
class TrainerCheckpointTest {
    private static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    private static final ModelConfig SMALL = ModelConfig.preset("composite-28").toBuilder().optDims(8, 16, 16)
            .optHeads(1, 1, 1).build();
    private static final TrainingConfig CONFIG = TrainingConfig.builder().optEpochs(3).optWarmupEpochs(1)
            .optBatchSize(16).optLearningRate(2e-3).build();
    private static FlowDataset data;

    @BeforeAll
    static void load() {
        Path manifest = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic", "manifest.csv");
        data = FlowDataset.load(Manifest.load(manifest, MEGC3, 3, 28));
    }

    private static List<double[]> predictions(MerbaModel model) {
        List<double[]> out = new ArrayList<>();
        Trainer.predict(model, data, 32).forEach(p -> out.add(p.fineDistribution()));
        return out;
    }

    /** Stops the run after {@code epoch}, as a crash or a user would. */
    private static TrainingListener stopAfter(int epoch) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(Trainer trainer, EpochResult e) {
                if (e.epoch() == epoch) {
                    trainer.requestStop();
                }
            }
        };
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws Exception {
        List<double[]> uninterrupted;
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            new Trainer(model, CONFIG, 9).fit(data, null);
            uninterrupted = predictions(model);
        }
        Path path = dir.resolve("run.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            TrainingResult first = new Trainer(model, CONFIG, 9).addListener(new CheckpointListener(path, 1))
                    .addListener(stopAfter(1)).fit(data, null);
            assertEquals(1, first.epochs().size());
        }
        assertThat(Files.exists(Checkpoint.trainingStatePath(path))).isTrue();
        JsonNode provenance = Checkpoint.readMetadata(path).training().orElseThrow();
        assertEquals(1, provenance.get("epochs_completed").asInt());
        assertEquals(3, provenance.get("epochs").asInt());
        assertEquals(9, provenance.get("seed").asLong());
        assertThat(provenance.has("last_epoch")).isTrue();

        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 1234)) { // other initial weights: loaded over
            TrainingResult rest = new Trainer(model, CONFIG, 9).resume(path, data, null);
            assertEquals(List.of(2, 3), rest.epochs().stream().map(EpochResult::epoch).toList());
            List<double[]> resumed = predictions(model);
            for (int i = 0; i < resumed.size(); i++) {
                assertArrayEquals(uninterrupted.get(i), resumed.get(i), 1e-5, "sample " + i);
            }
        }
    }

    @Test
    void resumingWithAnotherSeedOrConfigIsRefused(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("run.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            new Trainer(model, CONFIG, 9).addListener(new CheckpointListener(path, 1)).addListener(stopAfter(1))
                    .fit(data, null);
        }
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            List<double[]> before = predictions(model);
            CheckpointException e = assertThrows(IncompatibleCheckpointException.class,
                    () -> new Trainer(model, CONFIG, 10).resume(path, data, null));
            assertEquals(CheckpointException.Reason.STATE_MISMATCH, e.reason());
            assertThat(e.getMessage()).contains("seed 9");

            TrainingConfig longer = CONFIG.toBuilder().optEpochs(5).build();
            CheckpointException other = assertThrows(CheckpointException.class,
                    () -> new Trainer(model, longer, 9).resume(path, data, null));
            assertEquals(CheckpointException.Reason.STATE_MISMATCH, other.reason());
            assertThat(other.getMessage()).contains("other options");

            int threads = torch.get_num_threads();
            torch.set_num_threads(threads + 1);
            try {
                CheckpointException moreThreads = assertThrows(CheckpointException.class,
                        () -> new Trainer(model, CONFIG, 9).resume(path, data, null));
                assertThat(moreThreads.getMessage()).contains("native threads");
            } finally {
                torch.set_num_threads(threads);
            }

            // Refused resumes leave the model as it was.
            List<double[]> after = predictions(model);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), 0.0);
            }
        }
        try (MerbaModel other = MerbaModel.create(SMALL.toBuilder().optDims(8, 16, 24).build(), MEGC3, 4)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> new Trainer(other, CONFIG, 9).resume(path, data, null));
            assertEquals(CheckpointException.Reason.CONFIG_MISMATCH, e.reason());
        }
    }

    @Test
    void checkpointsAreRefusedInTheMiddleOfAnEpoch(@TempDir Path dir) {
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            Trainer trainer = new Trainer(model, CONFIG, 9).addListener(new TrainingListener() {
                @Override
                public void onBatchEnd(Trainer t, BatchResult batch) {
                    try {
                        t.saveCheckpoint(dir.resolve("mid.safetensors"));
                    } catch (CheckpointException e) {
                        throw new AssertionError(e);
                    }
                }
            });
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.fit(data, null));
            assertThat(e.getMessage()).contains("between epochs");
            assertThat(dir.resolve("mid.safetensors")).doesNotExist();
        }
    }

    @Test
    void theCheckpointListenerSavesAtTheEndOfTraining(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("end.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            Trainer trainer = new Trainer(model, CONFIG.toBuilder().optEpochs(2).build(), 3)
                    .optDataDescription("synthetic").addListener(new CheckpointListener(path));
            trainer.fit(data, null);
            JsonNode provenance = Checkpoint.readMetadata(path).training().orElseThrow();
            assertEquals(2, provenance.get("epochs_completed").asInt());
            // A finished run has nothing to resume: no training state is left.
            assertThat(Files.exists(Checkpoint.trainingStatePath(path))).isFalse();
            assertEquals("synthetic", provenance.get("data").asText());
            try (MerbaModel loaded = Checkpoint.load(path)) {
                List<double[]> expected = predictions(model), actual = predictions(loaded);
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), 0.0);
                }
            }
            // Outside fit() only the model is saved (there is no training state to save).
            Path after = dir.resolve("after.safetensors");
            trainer.saveCheckpoint(after);
            assertThat(Files.exists(after)).isTrue();
            assertThat(Files.exists(Checkpoint.trainingStatePath(after))).isFalse();
        }
    }
}
