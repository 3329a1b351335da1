package ai.merba.train.listener;

import ai.merba.internal.LoggingSetup;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import ai.merba.train.ValidationResult;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per epoch (every {@code every} epochs) through SLF4J at INFO, logger
 * {@code ai.merba.train.listener.LoggingListener}: loss, accuracy, learning rate, samples/s, P50/P90 step; the
 * validation accuracy when there is a validation set; the total time at the end. The application's SLF4J binding
 * decides where the lines go (the {@code merba} tool prints them on its console).
 */
public final class LoggingListener implements TrainingListener {
    static {
        LoggingSetup.ensure();
    }

    private static final Logger LOG = LoggerFactory.getLogger(LoggingListener.class);

    private final int every;
    private String prefix = "";

    public LoggingListener() {
        this(1);
    }

    /** @param every log every this many epochs (and the last); at least 1 */
    public LoggingListener(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        this.every = every;
    }

    public LoggingListener withPrefix(String prefix) {
        this.prefix = prefix;
        return this;
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult e) {
        if (e.epoch() % every == 0 || e.epoch() == e.epochs()) {
            LOG.info("{}{}", prefix, epochLine(e));
        }
    }

    @Override
    public void onValidation(Trainer trainer, ValidationResult v) {
        if (v.epoch() % every == 0 || v.epoch() == trainer.config().epochs()) {
            LOG.info("{}{}", prefix, validationLine(v));
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer, TrainingResult r) {
        LOG.info("{}{}", prefix, endLine(r));
    }

    /** {@code epoch   3/40  loss 0.8123  acc 0.612  lr 1.00e-03  190 samples/s  step P50 160.2 ms  P90 171.0 ms}. */
    public static String epochLine(EpochResult e) {
        return String.format(Locale.ROOT, "epoch %3d/%d  loss %.4f  acc %.3f  lr %.2e  %.0f samples/s  step P50 %.1f ms  "
                        + "P90 %.1f ms", e.epoch(), e.epochs(), e.loss(), e.accuracy(), e.learningRate(),
                e.samplesPerSecond(), e.p50StepMillis(), e.p90StepMillis());
    }

    /** {@code           validation acc 0.700 (30 samples)}. */
    public static String validationLine(ValidationResult v) {
        return String.format(Locale.ROOT, "          validation acc %.3f (%d samples)", v.accuracy(), v.samples());
    }

    /** {@code trained 40 epochs in 52.3 s}, and whether a listener stopped it early. */
    public static String endLine(TrainingResult r) {
        return String.format(Locale.ROOT, "trained %d epochs in %.1f s%s", r.epochs().size(), r.wallSeconds(),
                r.stoppedEarly() ? " (stopped early)" : "");
    }
}
