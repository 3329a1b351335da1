package ai.merba.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.merba.NativeMemory;
import ai.merba.checkpoint.Checkpoint;
import ai.merba.data.FlowDecoder;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The predictor: same answers from many threads as from one, bounded native memory, files and arrays. */
class PredictorTest {
    private static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    private static final ModelConfig SMALL = ModelConfig.preset("composite-28").toBuilder().optDims(8, 16, 16)
            .optHeads(1, 1, 1).build();
    private static final int PER_SAMPLE = 3 * 28 * 28;

    @TempDir
    static Path dir;
    private static Path checkpoint;

    @BeforeAll
    static void saveCheckpoint() throws Exception {
        checkpoint = dir.resolve("small.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 21)) {
            Checkpoint.save(model, checkpoint);
        }
    }

    private static float[] sample(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[PER_SAMPLE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    @Test
    void threadsPredictingAtOnceGetTheSameAnswersAsOneThread() throws Exception {
        int samples = 64, threads = 4;
        try (Predictor predictor = Predictor.load(checkpoint)) {
            List<double[]> expected = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                expected.add(predictor.predict(sample(i)).fineDistribution());
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<double[]>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t;
                    results.add(pool.submit(() -> {
                        List<double[]> mine = new ArrayList<>();
                        for (int k = 0; k < samples; k++) {
                            int i = (k + offset * 16) % samples; // threads work on different samples at once
                            mine.add(predictor.predict(sample(i)).fineDistribution());
                        }
                        return mine;
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    List<double[]> mine = results.get(t).get();
                    for (int k = 0; k < samples; k++) {
                        assertArrayEquals(expected.get((k + t * 16) % samples), mine.get(k), 0.0, "thread " + t);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void nativeMemoryStaysBoundedOverTenThousandPredictions() throws Exception {
        // One intra-op thread: fast and steady on a loaded machine (the check is about memory, not speed).
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try (Predictor predictor = Predictor.load(checkpoint)) {
            float[] x = sample(1);
            for (int i = 0; i < 2_000; i++) { // warm-up: allocator caches, JIT
                predictor.predict(x);
            }
            long mallocBefore = NativeMemory.mallocBytes();
            long trackedBefore = Pointer.totalBytes();
            for (int i = 0; i < 10_000; i++) {
                predictor.predict(x);
            }
            long grown = NativeMemory.mallocBytes() - mallocBefore;
            // Keeping even the smallest tensor of each prediction (a TensorImpl and its storage, ~300 bytes)
            // would add ≥ 3 MB; the allowance is for the JVM's own mallocs (JIT) during the loop.
            assertThat(grown).as("malloc'd bytes grown over 10,000 predictions").isLessThan(2L << 20);
            assertThat(Pointer.totalBytes() - trackedBefore).as("JavaCPP-tracked native bytes").isLessThan(64L << 10);
        } finally {
            torch.set_num_threads(threads);
        }
    }

    @Test
    void batchesArraysAndFilesAgree() throws Exception {
        Path synthetic = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic");
        List<Path> files;
        try (Stream<Path> s = Files.list(synthetic.resolve("flows"))) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().limit(5).toList();
        }
        try (Predictor predictor = Predictor.load(checkpoint)) {
            List<Prediction> batched = predictor.predictFiles(files, 2);
            assertEquals(5, batched.size());
            for (int i = 0; i < files.size(); i++) {
                float[] decoded = FlowDecoder.decode(files.get(i), 3, 28);
                Prediction one = predictor.predict(files.get(i));
                assertArrayEquals(predictor.predict(decoded).fineDistribution(), one.fineDistribution(), 0.0);
                assertArrayEquals(one.fineDistribution(), batched.get(i).fineDistribution(), 1e-6);
                float[][][] chw = new float[3][28][28];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 28; y++) {
                        System.arraycopy(decoded, (c * 28 + y) * 28, chw[c][y], 0, 28);
                    }
                }
                assertArrayEquals(one.fineDistribution(), predictor.predict(chw).fineDistribution(), 0.0);
                assertThat(MEGC3.classes().get(one.fineIndex()).name()).isEqualTo(one.fineLabel());
            }
            float[] first = FlowDecoder.decode(files.get(0), 3, 28);
            try (org.bytedeco.pytorch.Tensor t = torch.empty(1, 3, 28, 28)) {
                t.data_ptr_float().put(first);
                assertArrayEquals(predictor.predict(first).fineDistribution(),
                        predictor.predict(t).get(0).fineDistribution(), 0.0);
            }
            List<float[]> decodedAll = files.stream().map(f -> FlowDecoder.decode(f, 3, 28)).toList();
            List<Prediction> fromSamples = predictor.predictSamples(decodedAll, 2);
            for (int i = 0; i < files.size(); i++) {
                assertArrayEquals(batched.get(i).fineDistribution(), fromSamples.get(i).fineDistribution(), 0.0);
            }
            assertThrows(IllegalArgumentException.class, () -> predictor.predictSamples(List.of(new float[10]), 2));
            assertThrows(IllegalArgumentException.class, () -> predictor.predict(new float[10]));
            assertThrows(IllegalArgumentException.class, () -> predictor.predict(synthetic.resolve("absent.png")));
        }
    }

    @Test
    void aClosedPredictorRefusesWork() throws Exception {
        Predictor predictor = Predictor.load(checkpoint);
        predictor.close();
        predictor.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> predictor.predict(sample(1)));
    }

    @Test
    void aPredictorOverAnOwnModelLeavesItOpen() {
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 2)) {
            assertThat(model.isTraining()).isTrue();
            try (Predictor predictor = Predictor.of(model)) {
                assertThat(model.isTraining()).as("switched to eval mode").isFalse();
                predictor.predict(sample(3));
            }
            assertEquals(1, model.predict(sample(3), 1).size()); // still usable
        }
    }
}
