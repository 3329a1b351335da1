package ai.merba.train.listener;

import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.ValidationResult;

/**
 * Stops training when validation accuracy has not improved by more than {@code minDelta} for {@code patience}
 * validations. Needs a validation set: a held-out split of the training subjects, never the LOSO test subject
 * (choosing epochs by test results is what the spec forbids).
 */
public final class EarlyStopping implements TrainingListener {
    private final int patience;
    private final double minDelta;
    private double best = Double.NEGATIVE_INFINITY;
    private int bestEpoch;
    private int waited;

    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1");
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    @Override
    public void onTrainingBegin(Trainer trainer, int epochs, int batchesPerEpoch) {
        best = Double.NEGATIVE_INFINITY;
        bestEpoch = 0;
        waited = 0;
    }

    @Override
    public void onValidation(Trainer trainer, ValidationResult v) {
        if (v.accuracy() > best + minDelta) {
            best = v.accuracy();
            bestEpoch = v.epoch();
            waited = 0;
        } else if (++waited >= patience) {
            trainer.requestStop();
        }
    }

    public double bestAccuracy() {
        return best;
    }

    public int bestEpoch() {
        return bestEpoch;
    }
}
