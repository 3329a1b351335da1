package ai.merba.cli;

import ai.merba.NativeThreads;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks through the Java API. --suite prediction (default): batch-1 latency (p50/p99) and"
                + " batch-32 throughput; checkpoint: save/load time and size; serving: a shared Predictor with 1, 2"
                + " and 4 client threads."})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--seconds", defaultValue = "3", description = "Seconds per measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--threads", description = "Native threads (default: the number of cores).")
    Integer threads;

    enum Suite { PREDICTION, CHECKPOINT, SERVING, SOAK }

    @Option(names = "--suite", defaultValue = "prediction",
            description = "prediction, checkpoint, serving or soak (default: ${DEFAULT-VALUE}).")
    Suite suite;

    @Option(names = "--clients", defaultValue = "4", description = "soak: client threads (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--predictions", defaultValue = "2000",
            description = "soak: predictions per client (default: ${DEFAULT-VALUE}).")
    int predictions;

    @Option(names = "--reload-every", defaultValue = "200",
            description = "soak: predictions between two model reloads (default: ${DEFAULT-VALUE}).")
    int reloadEvery;

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            NativeThreads.set(threads, "--threads");
        }
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        String name = model.config != null ? model.config.toString() : model.preset;
        if (suite == Suite.CHECKPOINT) {
            CheckpointBench.run(name, config, labels, 9);
            return MerbaCli.EXIT_OK;
        }
        if (suite == Suite.SERVING) {
            ServingBench.run(config, labels, seconds);
            return MerbaCli.EXIT_OK;
        }
        if (suite == Suite.SOAK) {
            if (clients < 1 || predictions < 1 || reloadEvery < 1) {
                throw new IllegalArgumentException("--clients, --predictions and --reload-every must be >= 1");
            }
            return SoakBench.run(config, labels, clients, predictions, reloadEvery) ? MerbaCli.EXIT_OK : MerbaCli.EXIT_FAILURE;
        }
        try (MerbaModel m = MerbaModel.create(config, labels, 0)) {
            m.eval();
            System.out.printf("merba bench: %s, %s, %d threads, eval prediction through the Java API%n",
                    name, labels.name(),
                    org.bytedeco.pytorch.global.torch.get_num_threads());
            for (int batch : new int[] {1, 32}) {
                double[] ms = time(m, config, batch);
                double p50 = ms[ms.length / 2];
                System.out.printf("batch %2d: %8.1f samples/s   p50 %7.3f ms   p99 %7.3f ms   (%d calls)%n", batch,
                        1000.0 * batch / p50, p50, ms[(int) Math.min(ms.length - 1, Math.round(0.99 * (ms.length - 1)))],
                        ms.length);
            }
        }
        return MerbaCli.EXIT_OK;
    }

    private double[] time(MerbaModel m, ModelConfig config, int batch) {
        float[] x = new float[batch * config.inChannels() * config.inputSize() * config.inputSize()];
        Random random = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        for (int i = 0; i < 5; i++) {
            m.predict(x, batch);
        }
        double[] samples = new double[100_000];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < samples.length && (n < 20 || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            m.predict(x, batch);
            samples[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] ms = Arrays.copyOf(samples, n);
        Arrays.sort(ms);
        return ms;
    }
}
