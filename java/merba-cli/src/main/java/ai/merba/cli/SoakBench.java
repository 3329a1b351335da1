package ai.merba.cli;

import ai.merba.NativeMemory;
import ai.merba.checkpoint.Checkpoint;
import ai.merba.inference.Predictor;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * `merba bench --suite soak`: the service pattern under load. N client threads each make M batch-1 predictions
 * against one {@link Predictor} while a reloader swaps between two checkpoints (two trainings' weights) every K
 * predictions. Every answer must be exactly one of the two models' answers for its input, no request may fail,
 * and native memory must stay flat; the figures go to docs/checkpoints.md.
 */
final class SoakBench {
    private static final int POOL = 64;

    private SoakBench() {}

    private static Thread started(Runnable body) {
        Thread t = new Thread(body);
        t.start();
        return t;
    }

    static boolean run(ModelConfig config, LabelScheme labels, int clients, int predictionsPerClient, int reloadEvery)
            throws Exception {
        Path dir = Files.createTempDirectory("merba-soak-");
        Path[] versions = {dir.resolve("a.safetensors"), dir.resolve("b.safetensors")};
        try {
            return soak(config, labels, clients, predictionsPerClient, reloadEvery, versions);
        } finally {
            for (Path p : versions) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    private static boolean soak(ModelConfig config, LabelScheme labels, int clients, int predictionsPerClient,
            int reloadEvery, Path[] versions) throws Exception {
        int perSample = config.inChannels() * config.inputSize() * config.inputSize();
        SplittableRandom random = new SplittableRandom(7);
        float[][] inputs = new float[POOL][perSample];
        for (float[] x : inputs) {
            for (int i = 0; i < perSample; i++) {
                x[i] = (float) random.nextDouble(-1, 1);
            }
        }
        // The two versions' answers for every input of the pool: what a correct service returns.
        double[][][] expected = new double[2][POOL][];
        for (int v = 0; v < 2; v++) {
            try (MerbaModel model = MerbaModel.create(config, labels, 100 + v)) {
                Checkpoint.save(model, versions[v]);
                model.eval();
                for (int i = 0; i < POOL; i++) {
                    expected[v][i] = model.predict(inputs[i], 1).get(0).fineDistribution();
                }
            }
        }
        AtomicLong done = new AtomicLong(), failed = new AtomicLong(), wrong = new AtomicLong(), reloads = new AtomicLong();
        long total = (long) clients * predictionsPerClient;
        AtomicBoolean clientsFinished = new AtomicBoolean();
        try (Predictor predictor = Predictor.load(versions[0])) {
            for (int i = 0; i < POOL; i++) {
                predictor.predict(inputs[i]);  // warm-up: allocator pools, lazy initialisation
            }
            System.gc();
            long mallocBefore = NativeMemory.mallocBytes();
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                SplittableRandom mine = random.split();
                threads.add(started(() -> {
                    for (int n = 0; n < predictionsPerClient; n++) {
                        int i = mine.nextInt(POOL);
                        try {
                            Prediction p = predictor.predict(inputs[i]);
                            double[] got = p.fineDistribution();
                            if (!java.util.Arrays.equals(got, expected[0][i]) && !java.util.Arrays.equals(got, expected[1][i])) {
                                wrong.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                        done.incrementAndGet();
                    }
                }));
            }
            Thread reloader = started(() -> {
                long next = reloadEvery;
                while (done.get() < total && !clientsFinished.get()) {  // a client ended by an Error stops it too
                    if (done.get() >= next) {
                        try {
                            predictor.reload(versions[(int) (reloads.incrementAndGet() % 2)]);
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                        next += reloadEvery;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            });
            for (Thread t : threads) {
                t.join();
            }
            clientsFinished.set(true);
            reloader.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            long mallocAfter = NativeMemory.mallocBytes();
            System.out.printf(Locale.ROOT, "soak: %d clients x %d predictions, a reload every %d: %d predictions in %.1f s"
                            + " (%.0f/s), %d reloads%n", clients, predictionsPerClient, reloadEvery, done.get(), seconds,
                    done.get() / seconds, reloads.get());
            System.out.printf(Locale.ROOT, "failed requests %d, wrong answers %d, native heap %.1f MB before, %.1f MB after"
                            + " (%+.2f MB)%n", failed.get(), wrong.get(), mallocBefore / 1e6, mallocAfter / 1e6,
                    (mallocAfter - mallocBefore) / 1e6);
            return failed.get() == 0 && wrong.get() == 0;
        }
    }
}
