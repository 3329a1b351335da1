package ai.merba.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.checkpoint.SafetensorsLayout;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user or an attacker tries on the command-line tool (issue 14's probe, one test per row): every case
 * ends within seconds with exit code 2 and a message naming the option, file or limit — no crash, no hang, no
 * overwritten input, no output left behind, no training before the refusal.
 */
class HostileInputsTest {
    private static final Path SYNTHETIC = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic",
            "manifest.csv");
    private static final Duration QUICKLY = Duration.ofSeconds(20);  // all native libraries loaded within this too

    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void saveACheckpoint() throws Exception {
        checkpoint = dir.resolve("model.safetensors");
        try (MerbaModel m = MerbaModel.create(ModelConfig.preset("composite-28"), LabelScheme.builtIn("megc-3"), 1)) {
            Checkpoint.save(m, checkpoint);
        }
    }

    /** Runs the tool, expecting exit 2 with every fragment in the error output, within {@link #QUICKLY}. */
    private static CliRun refused(List<String> fragments, String... args) {
        CliRun r = assertTimeoutPreemptively(QUICKLY, () -> CliRun.of(args));
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, r.exitCode(), "exit code; stderr: " + r.err());
        for (String f : fragments) {
            assertThat(r.err()).contains(f);
        }
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception in thread");
        return r;
    }

    private static Path forged(String name, Consumer<SafetensorsLayout> edit) throws IOException {
        SafetensorsLayout file = SafetensorsLayout.read(checkpoint).copy();
        edit.accept(file);
        Path path = dir.resolve(name);
        file.write(path);
        return path;
    }

    /** Sets one key of the checkpoint's model config (its JSON text in the metadata) to {@code json}. */
    private static Consumer<SafetensorsLayout> configEdit(String key, Object json) {
        return f -> {
            ObjectNode meta = (ObjectNode) f.header().get("__metadata__");
            try {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode config = (ObjectNode) mapper.readTree(meta.get("config").asText());
                config.set(key, mapper.readTree(String.valueOf(json)));
                meta.put("config", config.toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    @Test
    void absurdThreadCountsAreRefusedBeforeTheNativeSideSeesThem() {
        refused(List.of("--threads = 10000 must be in 1..256"), "train", "--manifest", SYNTHETIC.toString(), "--threads",
                "10000", "--output", dir.resolve("t.safetensors").toString());
        refused(List.of("--threads = 0 must be in 1..256"), "bench", "--threads", "0");
    }

    @Test
    void fifosAndDevicesAreNotRead() throws Exception {
        for (String name : List.of("x.npy", "x.png")) {
            Path fifo = dir.resolve(name);
            Files.deleteIfExists(fifo);
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
            refused(List.of(name, "not a regular file"), "predict", "--checkpoint", checkpoint.toString(), fifo.toString());
        }
        Path zero = dir.resolve("zero.npy");
        Files.deleteIfExists(zero);
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        refused(List.of("zero.npy", "not a regular file"), "predict", "--checkpoint", checkpoint.toString(), zero.toString());
    }

    @Test
    void aHugeConfigInACheckpointIsRefusedBeforeAnythingIsBuilt() throws Exception {
        for (Object[] c : new Object[][] {{"dims", "[32,64,1000000000]", "dims[2]"}, {"depths", "[1,1000000,1]", "depths[1]"},
                {"input_size", 1000000000, "input_size"}, {"mlp_ratio", "1e9", "mlp_ratio"},
                {"mlp_ratio", 8192, "mlp_ratio"}}) {
            Path file = forged("huge-" + c[2] + ".safetensors", configEdit((String) c[0], c[1]));
            refused(List.of("__metadata__.config is invalid", (String) c[2]), "predict", "--checkpoint", file.toString(),
                    SYNTHETIC.getParent().resolve("flows").toFile().listFiles()[0].toString());
        }
        Path budget = forged("budget.safetensors", configEdit("dims", "[2048,2048,2048]").andThen(configEdit("depths",
                "[8,8,8]")).andThen(configEdit("heads", "[1,1,1]")));
        refused(List.of("__metadata__.config is invalid", "parameters"), "info", "--checkpoint", budget.toString());
    }

    @Test
    void nonFiniteWeightsAreRefusedAtLoad() throws Exception {
        Path file = forged("nan.safetensors", f -> {
            long begin = f.header().get("norm.weight").get("data_offsets").get(0).asLong();
            ByteBuffer.wrap(f.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat((int) begin, Float.NaN);
        });
        refused(List.of("'norm.weight' holds NaN or infinite values"), "info", "--checkpoint", file.toString());
    }

    @Test
    void outputsNeverOverwriteInputs() throws Exception {
        Path manifest = dir.resolve("copy").resolve("manifest.csv");
        Files.createDirectories(manifest.getParent());
        Files.copy(SYNTHETIC, manifest);
        byte[] before = Files.readAllBytes(manifest);
        // The manifest's flows are relative to it: the copy points at files that do not exist, but the output
        // check comes first.
        refused(List.of("--output", "is an input"), "train", "--manifest", manifest.toString(), "--output",
                manifest.toString());
        assertThat(Files.readAllBytes(manifest)).isEqualTo(before);
        byte[] model = Files.readAllBytes(checkpoint);
        refused(List.of("--output", "is an input"), "predict", "--checkpoint", checkpoint.toString(), "--output",
                checkpoint.toString(), SYNTHETIC.toString());
        assertThat(Files.readAllBytes(checkpoint)).isEqualTo(model);
    }

    @Test
    void outputFoldersAreCheckedBeforeTraining() {
        Path missing = dir.resolve("no-such-folder").resolve("m.safetensors");
        refused(List.of("--output", "does not exist"), "train", "--manifest", SYNTHETIC.toString(), "--epochs", "50",
                "--output", missing.toString());
        assertThat(Files.exists(missing.getParent())).isFalse();
        refused(List.of("--report", "does not exist"), "loso", "--manifest", SYNTHETIC.toString(), "--report",
                missing.toString());
    }

    @Test
    void dataWithOneClassIsRefusedBeforeAnyFold() throws Exception {
        Path one = dir.resolve("one-class.csv");
        List<String> lines = Files.readAllLines(SYNTHETIC);
        StringBuilder s = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f[3].equals("0") || f[3].equals("negative")) {
                s.append(line.replace("flows/", SYNTHETIC.getParent().resolve("flows").toAbsolutePath() + "/")).append('\n');
            }
        }
        Files.writeString(one, s);
        refused(List.of("has no samples in the data"), "loso", "--manifest", one.toString(), "--epochs", "50");
    }

    @Test
    void absurdLearningRatesAndMissingFilesAreNamed() {
        refused(List.of("learning_rate = 1.0E30 must be in (0, 1.0]"), "train", "--manifest", SYNTHETIC.toString(),
                "--lr", "1e30", "--output", dir.resolve("lr.safetensors").toString());
        refused(List.of("--config", "missing.json", "no such file"), "info", "--config", dir.resolve("missing.json").toString());
        refused(List.of("--training-config", "no such file"), "train", "--manifest", SYNTHETIC.toString(),
                "--training-config", dir.resolve("nope.json").toString());
    }

    @Test
    void forgedHeadersAndTrailingBytesAreRefusedAsPythonsReaderRefusesThem() throws Exception {
        Path escape = dir.resolve("escape.safetensors");
        byte[] bytes = Files.readAllBytes(checkpoint);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(escape, text.replace("\"merba\"", "\"m\\u12zz\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        // The header got 4 bytes longer than its length prefix says; keep the prefix right so that the escape is what fails.
        byte[] forged = Files.readAllBytes(escape);
        ByteBuffer.wrap(forged).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0,
                ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0) + 4);
        Files.write(escape, forged);
        refused(List.of("four hex digits"), "info", "--checkpoint", escape.toString());

        Path trailing = dir.resolve("trailing.safetensors");
        Files.write(trailing, java.util.Arrays.copyOf(bytes, bytes.length + 7));
        refused(List.of("7 bytes after the last tensor's data belong to no tensor"), "info", "--checkpoint",
                trailing.toString());
    }

    @Test
    void anImageDeclaringAHugeSizeIsRefusedBeforeDecoding() throws Exception {
        // A real 28×28 PNG whose IHDR says 20000×20000 (width and height are bytes 16..23).
        byte[] png = Files.readAllBytes(SYNTHETIC.getParent().resolve("flows").toFile().listFiles()[0].toPath());
        ByteBuffer.wrap(png).putInt(16, 20000).putInt(20, 20000);
        Path huge = dir.resolve("huge.png");
        Files.write(huge, png);
        refused(List.of("huge.png", "20000×20000", "expected 28×28"), "predict", "--checkpoint", checkpoint.toString(),
                huge.toString());
    }
}
