package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static ai.merba.Fixtures.MEGC3;
import static ai.merba.Fixtures.SMALL;
import static ai.merba.Fixtures.synthetic;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.checkpoint.SafetensorsLayout;
import ai.merba.model.MerbaModel;
import ai.merba.train.listener.CheckpointListener;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults around training: forged resume states and a run whose loss becomes NaN (issue 14). */
class TrainerFaultsTest {
    private static final TrainingConfig CONFIG = TrainingConfig.builder().optEpochs(3).optWarmupEpochs(1)
            .optBatchSize(16).build();

    /** A run stopped after one epoch, its state file edited by {@code edit}. */
    private static Path forgedState(Path dir, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path path = Files.createDirectories(dir).resolve("run.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            new Trainer(model, CONFIG, 9).addListener(new CheckpointListener(path, 1)).addListener(new TrainingListener() {
                @Override
                public void onEpochEnd(Trainer trainer, EpochResult e) {
                    trainer.requestStop();
                }
            }).fit(synthetic(), null);
        }
        Path state = Checkpoint.trainingStatePath(path);
        SafetensorsLayout file = SafetensorsLayout.read(state);
        edit.accept((ObjectNode) file.header().get("__metadata__"));
        file.write(state);
        return path;
    }

    @Test
    void forgedResumeStatesAreRefusedQuicklyNamingTheField(@TempDir Path dir) throws Exception {
        record Forgery(String name, java.util.function.Consumer<ObjectNode> edit, String message) {}
        List<Forgery> forgeries = List.of(
                new Forgery("huge epochs_completed", m -> m.put("epochs_completed", "2147483647"),
                        "2147483647 epochs completed, more than the 3"),
                new Forgery("negative epochs_completed", m -> m.put("epochs_completed", "-1"), "epochs_completed = '-1'"),
                new Forgery("no epochs_completed", m -> m.remove("epochs_completed"), "has no 'epochs_completed'"),
                new Forgery("seed abc", m -> m.put("seed", "abc"), "seed = 'abc' is not an integer"),
                new Forgery("no config", m -> m.remove("config"), "has no 'config'"));
        for (Forgery f : forgeries) {
            Path path = forgedState(dir.resolve(f.name().replace(' ', '-')), f.edit());
            try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
                assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                        assertThatThrownBy(() -> new Trainer(model, CONFIG, 9).resume(path, synthetic(), null)).as(f.name())
                                .isInstanceOf(CheckpointException.class).hasMessageContaining(f.message()));
            }
        }
    }

    @Test
    void aLossThatBecomesNaNStopsTrainingAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("run.safetensors");
        List<Integer> saved = new ArrayList<>();
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 4)) {
            Trainer trainer = new Trainer(model, CONFIG, 9).addListener(new CheckpointListener(path, 1))
                    .addListener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(Trainer t, EpochResult e) {
                            saved.add(e.epoch());
                        }

                        @Override
                        public void onBatchEnd(Trainer t, BatchResult b) {
                            if (b.epoch() == 2 && b.batch() == 1) {
                                poison(model);  // what a learning rate far too high does to the weights
                            }
                        }
                    });
            assertThatThrownBy(() -> trainer.fit(synthetic(), null)).isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("training diverged at epoch 2, batch 2").hasMessageContaining("NaN");
        }
        // Epoch 1 was saved and is still the checkpoint: finite, loadable, resumable.
        assertThat(saved).containsExactly(1);
        assertThat(Checkpoint.readMetadata(path).training().orElseThrow().get("epochs_completed").asInt()).isEqualTo(1);
        try (MerbaModel loaded = Checkpoint.load(path)) {
            assertThat(loaded.predict(synthetic().features(0), 1).get(0).fineProbability()).isBetween(0.0, 1.0);
        }
    }

    /** Sets one weight of every parameter to NaN, in place. */
    private static void poison(MerbaModel model) {
        for (var entry : model.namedTensors().entrySet()) {
            var t = entry.getValue();
            if (t.is_floating_point() && t.numel() > 0 && t.requires_grad()) {
                t.detach().view(-1).narrow(0, 0, 1).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            }
        }
    }
}
