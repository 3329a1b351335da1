package ai.merba.train.listener;

import ai.merba.train.BatchResult;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import java.io.PrintStream;

/**
 * A one-line console progress bar per epoch, redrawn in place. Dependency-free; switches itself off when the
 * output is not a terminal ({@code System.console() == null}) or when the system property
 * {@code merba.progress} is {@code false}, so logs and CI output stay clean.
 */
public final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean enabled;
    private String prefix = "";

    public ProgressBar() {
        this(System.err, System.console() != null && !"false".equals(System.getProperty("merba.progress")));
    }

    public ProgressBar(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /** Text before the bar (e.g. the LOSO fold). */
    public ProgressBar withPrefix(String prefix) {
        this.prefix = prefix;
        return this;
    }

    public boolean enabled() {
        return enabled;
    }

    @Override
    public void onBatchEnd(Trainer trainer, BatchResult b) {
        if (!enabled) {
            return;
        }
        int filled = (int) ((long) WIDTH * b.batch() / b.batchesPerEpoch());
        out.printf("\r%sepoch %d/%d [%s%s] %d/%d loss %.4f", prefix, b.epoch(), trainer.config().epochs(),
                "=".repeat(filled), " ".repeat(WIDTH - filled), b.batch(), b.batchesPerEpoch(), b.loss());
        out.flush();
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult e) {
        if (enabled && e.epoch() == e.epochs()) {
            out.print("\r" + " ".repeat(prefix.length() + WIDTH + 48) + "\r");
            out.flush();
        }
    }
}
