package ai.merba.train.listener;

import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import ai.merba.train.ValidationResult;
import java.io.PrintStream;

/** Logs one line per epoch (every {@code every} epochs): loss, accuracy, learning rate, samples/s, P50/P90 step. */
public final class LoggingListener implements TrainingListener {
    private final PrintStream out;
    private final int every;
    private String prefix = "";

    public LoggingListener() {
        this(System.out, 1);
    }

    public LoggingListener(PrintStream out, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1");
        }
        this.out = out;
        this.every = every;
    }

    public LoggingListener withPrefix(String prefix) {
        this.prefix = prefix;
        return this;
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult e) {
        if (e.epoch() % every == 0 || e.epoch() == e.epochs()) {
            out.printf("%sepoch %3d/%d  loss %.4f  acc %.3f  lr %.2e  %.0f samples/s  step P50 %.1f ms  P90 %.1f ms%n",
                    prefix, e.epoch(), e.epochs(), e.loss(), e.accuracy(), e.learningRate(), e.samplesPerSecond(),
                    e.p50StepMillis(), e.p90StepMillis());
        }
    }

    @Override
    public void onValidation(Trainer trainer, ValidationResult v) {
        if (v.epoch() % every == 0 || v.epoch() == trainer.config().epochs()) {
            out.printf("%s          validation acc %.3f (%d samples)%n", prefix, v.accuracy(), v.samples());
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer, TrainingResult r) {
        out.printf("%strained %d epochs in %.1f s%s%n", prefix, r.epochs().size(), r.wallSeconds(),
                r.stoppedEarly() ? " (stopped early)" : "");
    }
}
