package ai.merba.train.listener;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Saves {@code NAME.safetensors} with its resumable state {@code NAME.train.safetensors} every {@code everyEpochs}
 * epochs and when training ends, overwriting the previous save. Each file is written atomically and the state file
 * holds the weights too, so after a crash the state file is always a complete epoch boundary to resume from, with
 * {@link Trainer#resume} on the same path.
 *
 * <p>A failed save stops training with an {@link UncheckedIOException}: going on for hours without the
 * checkpoints one asked for would lose work silently.
 */
public final class CheckpointListener implements TrainingListener {
    private final Path path;
    private final int everyEpochs;
    private int lastSavedEpoch = -1;

    /** @param everyEpochs save after every this many epochs (and at the end); at least 1 */
    public CheckpointListener(Path path, int everyEpochs) {
        this.path = Objects.requireNonNull(path, "path");
        if (everyEpochs < 1) {
            throw new IllegalArgumentException("everyEpochs must be at least 1, got " + everyEpochs);
        }
        this.everyEpochs = everyEpochs;
    }

    /** Saves at the end of training only. */
    public CheckpointListener(Path path) {
        this(path, Integer.MAX_VALUE);
    }

    public Path path() {
        return path;
    }

    public Path trainingStatePath() {
        return Checkpoint.trainingStatePath(path);
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult epoch) {
        if (epoch.epoch() % everyEpochs == 0) {
            save(trainer, epoch.epoch());
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer, TrainingResult result) {
        int last = result.epochs().isEmpty() ? 0 : result.epochs().get(result.epochs().size() - 1).epoch();
        if (last != lastSavedEpoch) {
            save(trainer, last);
        }
    }

    private void save(Trainer trainer, int epoch) {
        try {
            trainer.saveCheckpoint(path);
            lastSavedEpoch = epoch;
        } catch (CheckpointException e) {
            throw new UncheckedIOException("could not save the checkpoint after epoch " + epoch + ": " + e.getMessage(), e);
        }
    }
}
