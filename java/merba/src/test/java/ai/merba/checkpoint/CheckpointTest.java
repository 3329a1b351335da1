package ai.merba.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.merba.checkpoint.CheckpointException.Reason;
import ai.merba.internal.JsonFields;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.ParameterInfo;
import ai.merba.model.Prediction;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Saving and loading checkpoints, their layout, and every way a checkpoint can be refused. */
class CheckpointTest {
    private static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    private static final ModelConfig SMALL = ModelConfig.preset("composite-28").toBuilder().optDims(8, 16, 16)
            .optHeads(1, 1, 1).build();

    private static float[] randomSamples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 3 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    private static Path saved(Path dir, long seed) throws CheckpointException {
        Path path = dir.resolve("model-" + seed + ".safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, seed)) {
            Checkpoint.save(model, path);
        }
        return path;
    }

    @Test
    void aLoadedCheckpointPredictsLikeTheSavedModel(@TempDir Path dir) throws Exception {
        float[] x = randomSamples(4, 1);
        Path path = dir.resolve("m.safetensors");
        List<Prediction> expected;
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 3)) {
            model.train();
            model.predict(x, 4); // (inference only; running statistics stay)
            expected = model.predict(x, 4);
            ObjectNode training = JsonFields.MAPPER.createObjectNode().put("epochs", 7).put("data", "unit test");
            Checkpoint.save(model, path, training);
        }
        try (MerbaModel loaded = Checkpoint.load(path)) {
            assertFalse(loaded.isTraining());
            assertEquals(SMALL, loaded.config());
            assertEquals(MEGC3, loaded.labels());
            List<Prediction> actual = loaded.predict(x, 4);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(expected.get(i).fineDistribution(), actual.get(i).fineDistribution(), 0.0);
            }
        }
        CheckpointMetadata metadata = Checkpoint.readMetadata(path);
        assertEquals(1, metadata.formatVersion());
        assertEquals("merba", metadata.raw().get("format"));
        assertEquals(7, metadata.training().orElseThrow().get("epochs").asInt());
        assertEquals("unit test", metadata.training().orElseThrow().get("data").asText());
    }

    @Test
    void aHeadGridTravelsWithTheCheckpoint(@TempDir Path dir) throws Exception {
        ModelConfig grid = SMALL.toBuilder().optHeadGrid(7).build();
        float[] x = randomSamples(3, 2);
        Path path = dir.resolve("grid.safetensors");
        List<Prediction> expected;
        try (MerbaModel model = MerbaModel.create(grid, MEGC3, 4)) {
            model.eval();
            expected = model.predict(x, 3);
            Checkpoint.save(model, path);
        }
        assertEquals(7, Checkpoint.readMetadata(path).config().headGrid());
        try (MerbaModel loaded = Checkpoint.load(path)) {
            assertEquals(grid, loaded.config());
            List<Prediction> actual = loaded.predict(x, 3);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(expected.get(i).fineDistribution(), actual.get(i).fineDistribution(), 0.0);
            }
        }
        // The same network with the spec's pooled head cannot take these weights.
        try (MerbaModel pooled = MerbaModel.create(SMALL, MEGC3, 4)) {
            IncompatibleCheckpointException e = assertThrows(IncompatibleCheckpointException.class,
                    () -> Checkpoint.loadWeights(pooled, path));
            assertEquals(Reason.CONFIG_MISMATCH, e.reason());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ai.merba.model.InputCentring.class, names = {"ZERO_LEVEL", "ZERO_LEVEL_SCALED"})
    void centringAndTestTimeFlippingTravelWithTheCheckpoint(ai.merba.model.InputCentring centring, @TempDir Path dir)
            throws Exception {
        float[] x = randomSamples(2, 4);
        Path path = dir.resolve("tta.safetensors");
        List<Prediction> expected;
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 3)) {
            model.eval();
            model.setInputCentring(centring);
            model.setTestTimeFlip(true);
            expected = model.predict(x, 2);
            Checkpoint.save(model, path);
        }
        assertEquals("true", Checkpoint.readMetadata(path).raw().get(CheckpointMetadata.TEST_TIME_FLIP));
        try (MerbaModel loaded = Checkpoint.load(path)) {
            assertEquals(centring, loaded.inputCentring());
            assertTrue(loaded.testTimeFlip());
            List<Prediction> actual = loaded.predict(x, 2);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(expected.get(i).fineDistribution(), actual.get(i).fineDistribution(), 0.0);
            }
        }
    }

    @Test
    void anIndependentSafetensorsParserFindsEveryTensor(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("m.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 5)) {
            Checkpoint.save(model, path);
            SafetensorsLayout file = SafetensorsLayout.read(path);
            Map<String, Tensor> tensors = model.namedTensors();
            List<ParameterInfo> infos = model.parameters();
            assertEquals(infos.size() + 1, file.header().size(), "every tensor plus __metadata__");
            long dataBytes = 0;
            for (ParameterInfo info : infos) {
                JsonNode entry = file.header().get(info.name());
                assertThat(entry).as(info.name()).isNotNull();
                long[] shape = new long[entry.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = entry.get("shape").get(i).asLong();
                }
                assertArrayEquals(info.shape(), shape, info.name());
                long begin = entry.get("data_offsets").get(0).asLong(), end = entry.get("data_offsets").get(1).asLong();
                dataBytes += end - begin;
                if (entry.get("dtype").asText().equals("F32")) {
                    assertArrayEquals(values(tensors.get(info.name())), file.floats(info.name()), 0f, info.name());
                } else {
                    assertEquals("I64", entry.get("dtype").asText(), info.name());
                }
            }
            assertEquals(file.data().length, dataBytes, "the data section holds exactly the tensors");
            assertEquals(SMALL, ModelConfig.fromJson(file.metadata("config")));
            assertEquals(MEGC3, LabelScheme.fromJson(file.metadata("labels")));
            assertEquals("1", file.metadata("format_version"));
            assertThat(file.header().has("stages.0.blocks.0.mixers.1.A_log")).isTrue();
            assertThat(file.header().has("head.coarse.weight")).isTrue();
        }
    }

    private static float[] values(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor f = t.to(ScalarType.Float).contiguous();
            float[] v = new float[(int) f.numel()];
            FloatPointer p = f.data_ptr_float();
            p.get(v);
            return v;
        }
    }

    private static <E extends CheckpointException> E assertRefused(Class<E> type, Reason reason, String fragment,
            Path path) {
        E e = assertThrows(type, () -> Checkpoint.load(path).close());
        assertEquals(reason, e.reason(), e.getMessage());
        assertThat(e.getMessage()).contains(fragment);
        return e;
    }

    @Test
    void missingPathsAndDirectoriesAreNotFound(@TempDir Path dir) {
        assertRefused(CheckpointNotFoundException.class, Reason.NOT_FOUND, "no such file", dir.resolve("absent.safetensors"));
        assertRefused(CheckpointNotFoundException.class, Reason.NOT_A_FILE, "is a directory", dir);
    }

    @Test
    void damagedFilesAreCorrupt(@TempDir Path dir) throws Exception {
        Path good = saved(dir, 1);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 64));
        assertRefused(CorruptCheckpointException.class, Reason.TRUNCATED, "holds only", truncated);

        Path flipped = dir.resolve("flipped.safetensors");
        byte[] f = bytes.clone();
        for (int i = 20; i < 28; i++) {
            f[i] ^= 0x55; // inside the header JSON
        }
        Files.write(flipped, f);
        assertRefused(CorruptCheckpointException.class, Reason.BAD_HEADER, "not valid JSON", flipped);

        SafetensorsLayout badOffsets = SafetensorsLayout.read(good);
        ((ObjectNode) badOffsets.header().get("norm.weight")).putArray("data_offsets").add(0).add(4);
        badOffsets.write(dir.resolve("offsets.safetensors"));
        assertRefused(CorruptCheckpointException.class, Reason.BAD_OFFSETS, "norm.weight", dir.resolve("offsets.safetensors"));

        SafetensorsLayout badConfig = SafetensorsLayout.read(good);
        ((ObjectNode) badConfig.header().get("__metadata__")).put("config", "{\"dims\": \"many\"}");
        badConfig.write(dir.resolve("config.safetensors"));
        assertRefused(CorruptCheckpointException.class, Reason.BAD_METADATA, "__metadata__.config",
                dir.resolve("config.safetensors"));
    }

    @Test
    void otherFormatsAndVersionsAreUnsupported(@TempDir Path dir) throws Exception {
        SafetensorsLayout file = SafetensorsLayout.read(saved(dir, 1));
        SafetensorsLayout newer = file.copy();
        ((ObjectNode) newer.header().get("__metadata__")).put("format_version", "2");
        newer.write(dir.resolve("v2.safetensors"));
        assertRefused(UnsupportedCheckpointException.class, Reason.UNSUPPORTED_VERSION, "format_version '2'",
                dir.resolve("v2.safetensors"));
        SafetensorsLayout other = file.copy();
        ((ObjectNode) other.header().get("__metadata__")).remove("format");
        other.write(dir.resolve("other.safetensors"));
        assertRefused(UnsupportedCheckpointException.class, Reason.NOT_MERBA, "not a 'merba' checkpoint",
                dir.resolve("other.safetensors"));
    }

    @Test
    void checkpointsThatDoNotFitTheModelAreIncompatible(@TempDir Path dir) throws Exception {
        SafetensorsLayout file = SafetensorsLayout.read(saved(dir, 1));

        SafetensorsLayout missing = file.without("stem.conv1.weight");
        missing.write(dir.resolve("missing.safetensors"));
        assertRefused(IncompatibleCheckpointException.class, Reason.MISSING_KEY, "'stem.conv1.weight' is missing",
                dir.resolve("missing.safetensors"));

        // An extra key: the bytes of an existing tensor under a second name would overlap, so the extra tensor
        // gets its own bytes at the end of the data.
        SafetensorsLayout extra = new SafetensorsLayout(file.header().deepCopy(), Arrays.copyOf(file.data(), file.data().length + 8));
        ObjectNode entry = extra.header().putObject("extra.weight");
        entry.put("dtype", "F32");
        entry.putArray("shape").add(2);
        entry.putArray("data_offsets").add(file.data().length).add(file.data().length + 8);
        Path extraPath = dir.resolve("extra.safetensors");
        extra.write(extraPath);
        assertRefused(IncompatibleCheckpointException.class, Reason.UNEXPECTED_KEY, "'extra.weight'", extraPath);
        Checkpoint.load(extraPath, "cpu", true).close(); // explicitly allowed

        // A tensor with the wrong shape: a config with wider last stage, saved under the small config's metadata.
        Path wide = dir.resolve("wide.safetensors");
        try (MerbaModel model = MerbaModel.create(SMALL.toBuilder().optDims(8, 16, 24).build(), MEGC3, 2)) {
            Checkpoint.save(model, wide);
        }
        SafetensorsLayout relabelled = SafetensorsLayout.read(wide);
        ((ObjectNode) relabelled.header().get("__metadata__")).put("config", SMALL.toJson());
        relabelled.write(wide);
        assertRefused(IncompatibleCheckpointException.class, Reason.WRONG_SHAPE, "has shape", wide);

        // A label scheme whose size does not match the head's.
        SafetensorsLayout twoClasses = file.copy();
        LabelScheme two = LabelScheme.builder("two").addClass("negative", "negative").addClass("positive", "positive").build();
        ((ObjectNode) twoClasses.header().get("__metadata__")).put("labels", two.toJson());
        twoClasses.write(dir.resolve("labels.safetensors"));
        assertRefused(IncompatibleCheckpointException.class, Reason.LABELS_MISMATCH,
                "has 3 classes in the weights but the label scheme gives it 2", dir.resolve("labels.safetensors"));
    }

    @Test
    void loadingWeightsIntoAnotherModelIsRefusedAndLeavesItUnchanged(@TempDir Path dir) throws Exception {
        Path path = saved(dir, 1);
        float[] x = randomSamples(2, 3);
        try (MerbaModel other = MerbaModel.create(SMALL.toBuilder().optDims(8, 16, 24).build(), MEGC3, 9)) {
            double[] before = other.predict(x, 2).get(0).fineDistribution();
            IncompatibleCheckpointException e = assertThrows(IncompatibleCheckpointException.class,
                    () -> Checkpoint.loadWeights(other, path));
            assertEquals(Reason.CONFIG_MISMATCH, e.reason());
            assertArrayEquals(before, other.predict(x, 2).get(0).fineDistribution(), 0.0);
        }
        try (MerbaModel same = MerbaModel.create(SMALL, MEGC3, 9); MerbaModel reference = Checkpoint.load(path)) {
            Checkpoint.loadWeights(same, path);
            assertArrayEquals(reference.predict(x, 2).get(1).fineDistribution(), same.predict(x, 2).get(1).fineDistribution(), 0.0);
        }
    }

    @Test
    void savingIntoAMissingDirectoryFailsClearly(@TempDir Path dir) {
        try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, 1)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.save(model, dir.resolve("no/such/dir/m.safetensors")));
            assertThat(e.getMessage()).contains("does not exist");
        }
    }

    @Test
    void trainingStateSitsNextToTheCheckpoint() {
        assertEquals(Path.of("runs/a.train.safetensors"), Checkpoint.trainingStatePath(Path.of("runs/a.safetensors")));
        assertEquals(Path.of("b.train.safetensors"), Checkpoint.trainingStatePath(Path.of("b")));
    }
}
