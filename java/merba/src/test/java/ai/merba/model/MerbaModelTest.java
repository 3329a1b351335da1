package ai.merba.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The Java model API over the native network. */
class MerbaModelTest {
    private static final ModelConfig COMPOSITE = ModelConfig.preset("composite-28");
    private static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    private static final LabelScheme CASME2 = LabelScheme.builtIn("casme2-5");

    private static float[] randomSamples(int batch, long seed) {
        Random random = new Random(seed);
        float[] data = new float[batch * 3 * 28 * 28];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        return data;
    }

    /** The mirror image of centred (B, 3, 28, 28) flows: columns reversed, u negated. */
    private static float[] mirrored(float[] samples) {
        float[] out = new float[samples.length];
        int plane = 28 * 28;
        for (int i = 0; i < samples.length; i++) {
            int channel = (i / plane) % 3, row = (i % plane) / 28, column = i % 28;
            float v = samples[i - column + (27 - column)];
            out[i] = channel == 0 ? -v : v;
        }
        return out;
    }

    private static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    @Test
    void forwardGivesTheHeadsTheLabelSchemeAsksFor() {
        try (PointerScope scope = new PointerScope();
                MerbaModel three = MerbaModel.create(COMPOSITE, MEGC3, 1);
                MerbaModel five = MerbaModel.create(COMPOSITE, CASME2, 1)) {
            Tensor x = torch.rand(2, 3, 28, 28);
            try (ModelOutput out = three.forward(x)) {
                assertArrayEquals(new long[] {2, 3}, shape(out.coarseLogits().orElseThrow()));
                assertTrue(out.fineLogits().isEmpty(), "megc-3: fine = coarse, so no fine head");
            }
            try (ModelOutput out = five.forward(x)) {
                assertArrayEquals(new long[] {2, 4}, shape(out.coarseLogits().orElseThrow()));
                assertArrayEquals(new long[] {2, 5}, shape(out.fineLogits().orElseThrow()));
            }
        }
    }

    @Test
    void aHeadGridCrossesToTheNativeNetworkAndWidensOnlyTheHeads() {
        ModelConfig grid = COMPOSITE.toBuilder().optHeadGrid(7).build();
        try (PointerScope scope = new PointerScope();
                MerbaModel model = MerbaModel.create(grid, CASME2, 1)) {
            // composite-28 with megc-3's 3 outputs has 629,587; casme2-5's heads have 4 + 5 outputs (6 more of 128
            // weights and a bias), and each output reads C_last · 7² = 6,272 features instead of 128.
            assertEquals(629_587L + 6 * (128 + 1) + 9L * (6272 - 128), model.summary().totalParameters());
            assertThat(model.parameters()).filteredOn(p -> p.name().equals("head.fine.weight"))
                    .singleElement().satisfies(p -> assertThat(p.shape()).containsExactly(5L, 6272L));
            try (ModelOutput out = model.forward(torch.rand(2, 3, 28, 28))) {
                assertArrayEquals(new long[] {2, 4}, shape(out.coarseLogits().orElseThrow()));
                assertArrayEquals(new long[] {2, 5}, shape(out.fineLogits().orElseThrow()));
            }
        }
    }

    @Test
    void paperPresetRunsForwardAndBackward() {
        // Without drop path: at the last block's rate (0.1) both samples of the batch skip it with probability
        // 0.01, which depends on whatever used LibTorch's global generator before this test, and leaves its A_log
        // without a gradient.
        ModelConfig paper = ModelConfig.preset("paper-224").toBuilder().optDropPath(0).build();
        try (PointerScope scope = new PointerScope();
                MerbaModel model = MerbaModel.create(paper, CASME2, 3)) {
            model.loss(torch.rand(2, 3, 224, 224), torch.tensor(new long[] {0, 4})).backward();
            Tensor grad = model.namedTensors().get("stages.3.blocks.1.mixers.1.A_log").grad();
            assertTrue(grad.defined() && grad.abs().sum().item_double() > 0);
            model.eval();
            List<Prediction> p = model.predict(torch.rand(1, 3, 224, 224));
            assertEquals(1, p.size());
            assertThat(model.summary().totalParameters()).isGreaterThan(10_000_000L);
        }
    }

    @Test
    void predictionsCarryLabelsProbabilitiesAndDistributions() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, CASME2, 7)) {
            model.eval();
            List<Prediction> predictions = model.predict(randomSamples(4, 1), 4);
            assertEquals(4, predictions.size());
            for (Prediction p : predictions) {
                assertThat(Arrays.stream(p.fineDistribution()).sum()).isCloseTo(1.0, within(1e-5));
                assertThat(Arrays.stream(p.coarseDistribution()).sum()).isCloseTo(1.0, within(1e-5));
                assertEquals(CASME2.classes().get(p.fineIndex()).name(), p.fineLabel());
                assertEquals(CASME2.coarseGroups().get(p.coarseIndex()), p.coarseLabel());
                // Hard DGCM: the fine class belongs to the predicted group.
                assertEquals(p.coarseIndex(), CASME2.fineToCoarse()[p.fineIndex()]);
                assertEquals(p.fineDistribution()[p.fineIndex()], p.fineProbability(), 0.0);
                assertEquals(p.coarseDistribution()[p.coarseIndex()], p.coarseProbability(), 0.0);
            }
        }
    }

    @Test
    void evalPredictionsAreRepeatableAndIndependentOfTheBatch() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, CASME2, 11)) {
            model.eval();
            float[] batch = randomSamples(5, 2);
            List<Prediction> first = model.predict(batch, 5);
            assertEquals(first, model.predict(batch, 5));
            float[] third = Arrays.copyOfRange(batch, 2 * 3 * 28 * 28, 3 * 3 * 28 * 28);
            Prediction alone = model.predict(third, 1).get(0);
            assertEquals(first.get(2).fineIndex(), alone.fineIndex());
            assertEquals(first.get(2).coarseIndex(), alone.coarseIndex());
            for (int k = 0; k < 5; k++) {
                assertEquals(first.get(2).fineDistribution()[k], alone.fineDistribution()[k], 1e-5);
            }
        }
    }

    @Test
    void predictOnNestedArraysMatchesPredictOnTensors() {
        try (PointerScope scope = new PointerScope(); MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 5)) {
            float[] flat = randomSamples(1, 3);
            float[][][] nested = new float[3][28][28];
            for (int c = 0; c < 3; c++) {
                for (int r = 0; r < 28; r++) {
                    System.arraycopy(flat, (c * 28 + r) * 28, nested[c][r], 0, 28);
                }
            }
            assertEquals(model.predict(flat, 1).get(0), model.predict(nested));
        }
    }

    @Test
    void predictUsesInferenceSemanticsAndKeepsTheMode() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 5)) {
            assertTrue(model.isTraining());
            float[] x = randomSamples(2, 4);
            List<Prediction> inTraining = model.predict(x, 2);
            assertTrue(model.isTraining(), "predict must not change the mode");
            model.eval();
            assertEquals(inTraining, model.predict(x, 2));
        }
    }

    @Test
    void parameterListingFollowsTheCheckpointFormat() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 1)) {
            List<ParameterInfo> tensors = model.parameters();
            assertEquals(137, tensors.size());
            Map<String, long[]> byName = new java.util.HashMap<>();
            tensors.forEach(t -> byName.put(t.name(), t.shape()));
            assertArrayEquals(new long[] {16, 3, 3, 3}, byName.get("stem.conv1.weight"));
            assertArrayEquals(new long[] {16, 8}, byName.get("stages.0.blocks.0.mixers.1.A_log"));
            assertArrayEquals(new long[] {16, 32}, byName.get("stages.0.iwa.pos_embed"));
            assertArrayEquals(new long[] {128, 64, 3, 3}, byName.get("stages.1.downsample.weight"));
            assertArrayEquals(new long[] {128}, byName.get("norm.running_mean"));
            assertArrayEquals(new long[] {3, 128}, byName.get("head.coarse.weight"));
            assertFalse(byName.containsKey("stages.2.iwa.pos_embed"), "one window: global attention, no position embedding");
            assertTrue(tensors.stream().filter(ParameterInfo::buffer).allMatch(t -> t.name().contains("bn") || t.name().startsWith("norm.")));
        }
    }

    @Test
    void summaryAddsUp() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 1)) {
            ModelSummary summary = model.summary();
            assertEquals(629_587L, summary.totalParameters());
            assertEquals(summary.totalParameters(),
                    summary.modules().stream().mapToLong(ModelSummary.ModuleCost::parameters).sum());
            assertEquals(summary.totalParameters(),
                    summary.tensors().stream().filter(t -> !t.buffer()).mapToLong(ParameterInfo::numel).sum());
            assertThat(summary.modules()).extracting(ModelSummary.ModuleCost::name)
                    .containsExactly("stem", "stages.0", "stages.1", "stages.2", "norm", "head");
            assertThat(summary.flopsPerSample()).isBetween(1e7, 1e9);
            assertThat(summary.table()).contains("stages.0").contains("total");
        }
    }

    @Test
    void gradientsReachEveryParameterFromJava() {
        // Without drop path, which could skip a block for all four samples (about 2e-4 at these rates) and leave it
        // without gradients, depending on what used LibTorch's global generator before this test.
        ModelConfig noDropPath = COMPOSITE.toBuilder().optDropPath(0).build();
        try (PointerScope scope = new PointerScope(); MerbaModel model = MerbaModel.create(noDropPath, CASME2, 2)) {
            model.train();
            Tensor x = torch.rand(4, 3, 28, 28);
            Tensor targets = torch.tensor(new long[] {0, 1, 2, 4});
            model.loss(x, targets).backward();
            for (var entry : model.namedTensors().entrySet()) {
                if (entry.getKey().contains("running_") || entry.getKey().endsWith("num_batches_tracked")) {
                    continue;
                }
                Tensor grad = entry.getValue().grad();
                assertTrue(grad.defined(), "no gradient for " + entry.getKey());
                assertTrue(grad.abs().sum().item_double() > 0, "zero gradient for " + entry.getKey());
            }
        }
    }

    @Test
    void wrongInputsRaiseIllegalArgument() {
        try (PointerScope scope = new PointerScope(); MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.predict(torch.rand(2, 2, 28, 28)));
            assertThat(e.getMessage()).contains("must have 3 channels");
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(torch.rand(3, 28, 28)));
            assertThat(e.getMessage()).contains("must have shape (B, C, H, W)");
            e = assertThrows(IllegalArgumentException.class, () -> model.predict(torch.rand(1, 3, 30, 30)));
            assertThat(e.getMessage()).contains("must be 28x28");
            e = assertThrows(IllegalArgumentException.class, () -> model.predict(new float[10], 1));
            assertThat(e.getMessage()).contains("2352 floats");
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.loss(torch.rand(2, 3, 28, 28), torch.tensor(new long[] {0, 3})));
            assertThat(e.getMessage()).contains("fine class indices in 0..2");
            // Still usable afterwards.
            assertEquals(1, model.predict(randomSamples(1, 9), 1).size());
        }
    }

    @Test
    void devicesAreCheckedNatively() {
        try (MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 1)) {
            assertEquals("cpu", model.device());
            model.toDevice("cpu");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.toDevice("tpu:7"));
            assertThat(e.getMessage()).contains("unknown device 'tpu:7'");
            if (!torch.cuda_is_available()) {
                e = assertThrows(IllegalArgumentException.class, () -> model.toDevice("cuda"));
                assertThat(e.getMessage()).contains("no CUDA");
            }
        }
    }

    @Test
    void sameSeedSameWeights() {
        try (MerbaModel a = MerbaModel.create(COMPOSITE, MEGC3, 9);
                MerbaModel b = MerbaModel.create(COMPOSITE, MEGC3, 9);
                MerbaModel c = MerbaModel.create(COMPOSITE, MEGC3, 10)) {
            float[] x = randomSamples(2, 5);
            a.eval();
            b.eval();
            c.eval();
            assertEquals(a.predict(x, 2), b.predict(x, 2));
            assertThat(a.predict(x, 2)).isNotEqualTo(c.predict(x, 2));
        }
    }

    @Test
    void invalidConfigsFailInJavaAndClosedModelsRefuseWork() {
        assertThrows(IllegalArgumentException.class,
                () -> COMPOSITE.toBuilder().optHeads(1, 3, 4).build());
        MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 1);
        model.close();
        model.close();  // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, model::summary);
        assertThat(e.getMessage()).contains("closed");
    }

    @Test
    void testTimeFlippingGivesASampleAndItsMirrorImageTheSamePrediction() {
        float[] x = randomSamples(4, 17);
        for (int i = 0; i < x.length; i++) {
            x[i] -= 0.5f;  // centred flows
        }
        try (MerbaModel model = MerbaModel.create(COMPOSITE, MEGC3, 9)) {
            model.eval();
            assertThrows(IllegalStateException.class, () -> model.setTestTimeFlip(true));  // inputs not centred
            model.setInputCentring(InputCentring.ZERO_LEVEL);
            List<Prediction> plain = model.predict(x, 4), plainMirror = model.predict(mirrored(x), 4);
            model.setTestTimeFlip(true);
            List<Prediction> flipped = model.predict(x, 4), flippedMirror = model.predict(mirrored(x), 4);
            for (int i = 0; i < 4; i++) {
                // Without it the network sees two different inputs; with it, the same pair in the other order.
                assertThat(plain.get(i).fineDistribution()).isNotEqualTo(plainMirror.get(i).fineDistribution());
                assertArrayEquals(flipped.get(i).fineDistribution(), flippedMirror.get(i).fineDistribution(), 1e-6);
                assertFalse(Arrays.equals(flipped.get(i).fineDistribution(), plain.get(i).fineDistribution()));
            }
            model.setInputCentring(InputCentring.NONE);
            assertFalse(model.testTimeFlip());  // it needs centred inputs
        }
    }
}
