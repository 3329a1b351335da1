package ai.merba.cli;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** `merba bench --suite checkpoint`: save and load times and file size of a checkpoint, median of repeats. */
final class CheckpointBench {
    private CheckpointBench() {}

    static void run(String name, ModelConfig config, LabelScheme labels, int repeats) throws Exception {
        Path dir = Files.createTempDirectory("merba-bench-");
        Path file = dir.resolve("bench.safetensors");
        try (MerbaModel model = MerbaModel.create(config, labels, 0)) {
            double[] save = new double[repeats], load = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                Checkpoint.save(model, file);
                save[i] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                try (MerbaModel loaded = Checkpoint.load(file)) {
                    load[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(save);
            Arrays.sort(load);
            System.out.printf(Locale.ROOT, "checkpoint %s: %,d bytes, %d parameters; save p50 %.1f ms, load p50 %.1f ms"
                    + " (build + read + check; %d repeats, fsync included)%n", name, Files.size(file),
                    model.summary().totalParameters(), save[repeats / 2], load[repeats / 2], repeats);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
