package ai.merba.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command-line tool in-process: help, exit codes and a short LOSO run. */
class MerbaCliTest {
    private static final Path SYNTHETIC = Path.of(System.getProperty("merba.testData", "../test-data"), "synthetic",
            "manifest.csv");

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = MerbaCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"loso", "train", "info", "bench", "synth"})
    void everyCommandHasHelp(String command) {
        Run r = run(command, "--help");
        assertEquals(0, r.exitCode());
        assertThat(r.out()).contains("Usage: merba " + command).contains("--help");
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.exitCode());
        assertThat(r.out()).contains("loso").contains("train").contains("info").contains("bench").contains("synth");
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("loso").exitCode());  // --manifest is required
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("info", "--preset", "tiny-9").exitCode());
        Run r = run("train", "--manifest", "does/not/exist.csv");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, r.exitCode());
        assertThat(r.err()).contains("does/not/exist.csv");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("nonsense").exitCode());
    }

    @Test
    void infoPrintsTheSummary() {
        Run r = run("info", "--labels", "casme2-5", "--parameters");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out()).contains("\"dims\":[32,64,128]").contains("casme2-5").contains("stages.0")
                .contains("head.fine.weight [5, 128]");
    }

    @Test
    void shortLosoRunPrintsMetricsAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Run r = run("loso", "--manifest", SYNTHETIC.toString(), "--epochs", "1", "--warmup-epochs", "0",
                "--report", report.toString(), "--seed", "3");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out()).contains("fold 8/8").contains("UF1").contains("UAR");
        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertEquals(96, json.get("samples").asInt());
        assertEquals(3, json.get("seed").asLong());
        assertThat(json.get("model_config").get("dims").toString()).isEqualTo("[32,64,128]");
        assertThat(json.get("folds")).hasSize(8);
    }

    @Test
    void synthWritesALoadableDataset(@TempDir Path dir) {
        Run r = run("synth", dir.toString(), "--subjects", "2", "--per-class", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(dir.resolve("manifest.csv")).exists();
        Run train = run("train", "--manifest", dir.resolve("manifest.csv").toString(), "--epochs", "1",
                "--warmup-epochs", "0");
        assertEquals(0, train.exitCode(), train.err());
        assertThat(train.out()).contains("epoch   1/1").contains("training accuracy");
    }
}
