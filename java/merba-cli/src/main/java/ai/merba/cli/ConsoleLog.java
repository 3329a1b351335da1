package ai.merba.cli;

import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.TrainingResult;
import ai.merba.train.ValidationResult;
import ai.merba.train.listener.LoggingListener;
import java.io.PrintStream;

/**
 * The tool's console view of training: the lines {@link LoggingListener} logs, printed to the console every
 * {@code every} epochs. The library logs through SLF4J; the command-line tool, an application, prints.
 */
final class ConsoleLog implements TrainingListener {
    private final PrintStream out;
    private final int every;

    ConsoleLog(PrintStream out, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("--log-every must be >= 1, got " + every);
        }
        this.out = out;
        this.every = every;
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult e) {
        if (e.epoch() % every == 0 || e.epoch() == e.epochs()) {
            out.println(LoggingListener.epochLine(e));
        }
    }

    @Override
    public void onValidation(Trainer trainer, ValidationResult v) {
        if (v.epoch() % every == 0 || v.epoch() == trainer.config().epochs()) {
            out.println(LoggingListener.validationLine(v));
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer, TrainingResult r) {
        out.println(LoggingListener.endLine(r));
    }
}
