package ai.merba.train;

import java.util.List;

/** A finished {@link Trainer#fit} run: every epoch, and whether a listener stopped it early. */
public record TrainingResult(List<EpochResult> epochs, boolean stoppedEarly, double wallSeconds) {
    public TrainingResult {
        epochs = List.copyOf(epochs);
    }

    public EpochResult last() {
        return epochs.get(epochs.size() - 1);
    }
}
