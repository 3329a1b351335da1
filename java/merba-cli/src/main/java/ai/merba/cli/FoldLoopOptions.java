package ai.merba.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where and how {@code cv} and {@code loso} train their folds: the Java loop, or the native fold loop (CPU or GPU). */
final class FoldLoopOptions {
    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu, cuda or cuda:N: where the folds train (default: ${DEFAULT-VALUE}). A GPU runs them in"
                    + " the native fold loop; it needs the GPU build of the native library.")
    String device;

    @Option(names = "--fold-workers", paramLabel = "N",
            description = "Train the folds in the native fold loop, N at once (the same predictions as the Java loop;"
                    + " no per-epoch curves). Default: 0, the Java loop, on the CPU; 4 on a GPU. On the CPU folds run"
                    + " at once only with --threads 1.")
    Integer workers;

    @Option(names = "--cuda-graphs",
            description = "With --device cuda: replay each training step's forward and backward as a CUDA graph"
                    + " (the same draws as eager steps, far fewer launches; not yet run on a GPU, see docs/gpu.md).")
    boolean cudaGraphs;

    @Option(names = "--export-plan", paramLabel = "FILE",
            description = "Write the evaluation's fold plan (the samples as the network sees them, folds, seeds,"
                    + " training options) to FILE for the native driver merba_folds, and exit without training.")
    Path exportPlan;

    /**
     * Checks the options against each other and the command's other outputs before any work: an exported plan is not
     * one of the inputs, and a command that only writes a plan takes no report or fold-loop options.
     */
    void check(ReportOptions reports, Path... inputs) {
        nativeWorkers();
        if (exportPlan != null) {
            OutputPaths.checkWritable(exportPlan, "--export-plan");
            OutputPaths.checkNotInput(exportPlan, "--export-plan", inputs);
            if (reports.json != null || reports.html != null) {
                throw new IllegalArgumentException("--export-plan writes the plan instead of running the evaluation:"
                        + " it takes no --report or --html");
            }
            if (workers != null || !"cpu".equals(device) || cudaGraphs) {
                throw new IllegalArgumentException("--export-plan writes the plan instead of running the evaluation:"
                        + " give --device, --fold-workers and --cuda-graphs to merba_folds (see docs/gpu.md)");
            }
        }
        if (cudaGraphs && "cpu".equals(device)) {
            throw new IllegalArgumentException("--cuda-graphs needs --device cuda (CUDA graphs run on a GPU)");
        }
    }

    /** Folds trained at once in the native loop, or 0 for the Java loop. */
    int nativeWorkers() {
        if (workers != null) {
            if (workers < 0) {
                throw new IllegalArgumentException("--fold-workers must be >= 0, got " + workers);
            }
            if (workers == 0 && !"cpu".equals(device)) {
                throw new IllegalArgumentException("--device " + device + " trains in the native fold loop: give"
                        + " --fold-workers >= 1 (or leave it out)");
            }
            return workers;
        }
        // On an H200, 4 folds at once took 10.0 s where 1 took 18.3 s and 16 took 9.7 s (docs/gpu.md, fold workers).
        return "cpu".equals(device) ? 0 : 4;
    }
}
