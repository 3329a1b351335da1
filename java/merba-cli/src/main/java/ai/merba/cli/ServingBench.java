package ai.merba.cli;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.inference.Predictor;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.global.torch;

/**
 * `merba bench --suite serving`: one shared {@link Predictor}, 1, 2 and 4 client threads each predicting single
 * samples in a loop, with LibTorch's intra-op threads at 1 and at the default; predictions per second.
 */
final class ServingBench {
    private ServingBench() {}

    static void run(ModelConfig config, LabelScheme labels, double seconds) throws Exception {
        Path dir = Files.createTempDirectory("merba-bench-");
        Path file = dir.resolve("serving.safetensors");
        int defaultThreads = torch.get_num_threads();
        try {
            try (MerbaModel model = MerbaModel.create(config, labels, 0)) {
                Checkpoint.save(model, file);
            }
            try (Predictor predictor = Predictor.load(file)) {
                float[] x = new float[config.inChannels() * config.inputSize() * config.inputSize()];
                Random random = new Random(1);
                for (int i = 0; i < x.length; i++) {
                    x[i] = random.nextFloat();
                }
                System.out.println("serving: one Predictor, batch-1 requests, predictions per second");
                System.out.println("clients  intra-op threads  predictions/s");
                for (int intraOp : new int[] {1, defaultThreads}) {
                    torch.set_num_threads(intraOp);
                    for (int clients : new int[] {1, 2, 4}) {
                        double rate = measure(predictor, x, clients, seconds);
                        System.out.printf(Locale.ROOT, "%7d  %16d  %13.1f%n", clients, intraOp, rate);
                    }
                }
            }
        } finally {
            torch.set_num_threads(defaultThreads);
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static double measure(Predictor predictor, float[] x, int clients, double seconds) throws Exception {
        for (int i = 0; i < 20; i++) {
            predictor.predict(x);
        }
        AtomicLong done = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        long[] endAt = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < endAt[0]) {
                    predictor.predict(x);
                    done.incrementAndGet();
                }
            });
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        endAt[0] = t0 + (long) (seconds * 1e9);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
