package ai.merba.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.CheckpointException;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Swapping in a newly trained model while the predictor serves (issue 14's service pattern). */
class PredictorReloadTest {
    private static final ModelConfig SMALL = ModelConfig.preset("composite-28").toBuilder().optDims(8, 16, 16)
            .optHeads(1, 1, 1).build();
    private static final float[] X = new float[3 * 28 * 28];

    static {
        for (int i = 0; i < X.length; i++) {
            X[i] = (float) Math.sin(i);
        }
    }

    private static double[] answer(Path checkpoint) throws Exception {
        try (MerbaModel m = Checkpoint.load(checkpoint)) {
            return m.predict(X, 1).get(0).fineDistribution();
        }
    }

    @Test
    void reloadSwapsModelsWithoutFailingConcurrentRequests(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        try (MerbaModel m = MerbaModel.create(SMALL, LabelScheme.builtIn("megc-3"), 1)) {
            Checkpoint.save(m, a);
        }
        try (MerbaModel m = MerbaModel.create(SMALL, LabelScheme.builtIn("casme2-5"), 2)) {  // another label scheme
            Checkpoint.save(m, b);
        }
        double[] fromA = answer(a), fromB = answer(b);
        AtomicLong served = new AtomicLong(), failures = new AtomicLong(), wrong = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        try (Predictor predictor = Predictor.load(a)) {
            Thread client = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        double[] got = predictor.predict(X).fineDistribution();
                        if (!Arrays.equals(got, fromA) && !Arrays.equals(got, fromB)) {
                            wrong.incrementAndGet();
                        }
                        served.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            });
            client.start();
            for (int i = 0; i < 10; i++) {
                predictor.reload(i % 2 == 0 ? b : a);
            }
            stop.set(true);
            client.join();
            assertThat(failures.get()).isZero();
            assertThat(wrong.get()).isZero();
            assertThat(served.get()).isPositive();
            // Ten reloads end on a: its label scheme and its answer.
            assertThat(predictor.labels().name()).isEqualTo("megc-3");
            assertThat(predictor.predict(X).fineDistribution()).isEqualTo(fromA);
            predictor.reload(b);
            assertThat(predictor.labels().name()).isEqualTo("casme2-5");
            assertThat(predictor.predict(X).fineDistribution()).isEqualTo(fromB);

            // A damaged checkpoint changes nothing.
            Path broken = dir.resolve("broken.safetensors");
            Files.write(broken, Arrays.copyOf(Files.readAllBytes(a), 100));
            assertThatThrownBy(() -> predictor.reload(broken)).isInstanceOf(CheckpointException.class);
            assertThat(predictor.predict(X).fineDistribution()).isEqualTo(fromB);
            predictor.close();
            assertThatThrownBy(() -> predictor.reload(a)).isInstanceOf(IllegalStateException.class);
        }
    }
}
