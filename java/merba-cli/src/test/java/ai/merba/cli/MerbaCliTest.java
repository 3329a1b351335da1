package ai.merba.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command-line tool in-process: help, exit codes and a short LOSO run. */
class MerbaCliTest {
    private static final Path SYNTHETIC = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic",
            "manifest.csv");

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cv", "loso", "train", "predict", "info", "bench", "synth", "prepare"})
    void everyCommandHasHelp(String command) {
        CliRun r = run(command, "--help");
        assertEquals(0, r.exitCode());
        assertThat(r.out()).contains("Usage: merba " + command).contains("--help");
    }

    @Test
    void topLevelHelpListsTheCommands() {
        CliRun r = run("--help");
        assertEquals(0, r.exitCode());
        assertThat(r.out()).contains("loso").contains("train").contains("predict").contains("info").contains("bench").contains("synth");
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("loso").exitCode());  // --manifest is required
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("info", "--preset", "tiny-9").exitCode());
        CliRun r = run("train", "--manifest", "does/not/exist.csv");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, r.exitCode());
        assertThat(r.err()).contains("does/not/exist.csv");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("nonsense").exitCode());
        // An ensemble is cv's and loso's: train, which writes one model, says so instead of training one silently.
        CliRun ensemble = run("train", "--manifest", SYNTHETIC.toString(), "--ensemble-size", "3");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, ensemble.exitCode());
        assertThat(ensemble.err()).contains("ensemble_size = 3 is for cv and loso");
        // Cross-database folds: one per dataset, so no --folds, and data of one dataset has nothing to leave out.
        CliRun byDatasetWithFolds = run("cv", "--manifest", SYNTHETIC.toString(), "--by-dataset", "--folds", "3");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, byDatasetWithFolds.exitCode());
        assertThat(byDatasetWithFolds.err()).contains("takes no --folds or --split-seed");
        CliRun oneDataset = run("cv", "--manifest", SYNTHETIC.toString(), "--by-dataset", "--epochs", "1");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, oneDataset.exitCode());
        assertThat(oneDataset.err()).contains("at least two datasets");
    }

    @Test
    void twoRanksTrainTogetherAndOnlyRankZeroWrites(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        IntFunction<String[]> args = rank -> new String[] {"train", "--manifest",
                SYNTHETIC.toString(), "--epochs", "1", "--warmup-epochs", "0", "--threads", "1", "--world-size", "2",
                "--rank", Integer.toString(rank), "--master-port", Integer.toString(port), "--rendezvous-timeout", "60",
                "--output", dir.resolve(rank + ".safetensors").toString(), "--report", dir.resolve(rank + ".json").toString()};
        // Both ranks in this JVM (c10d does not mind); rank 1's console output joins rank 0's captured one.
        CompletableFuture<Integer> rank1 = CompletableFuture.supplyAsync(() -> MerbaCli.execute(args.apply(1)));
        CliRun r = run(args.apply(0));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(0, rank1.get(120, TimeUnit.SECONDS));
        assertThat(r.out()).contains("joining rank 0 of 2").contains("rank 1 of 2: done; rank 0 writes");
        assertThat(dir.resolve("0.safetensors")).exists();
        assertThat(dir.resolve("0.json")).exists();
        assertThat(dir.resolve("1.safetensors")).doesNotExist();
        assertThat(dir.resolve("1.json")).doesNotExist();
        CliRun bad = run("train", "--manifest", SYNTHETIC.toString(), "--world-size", "2", "--rank", "2");
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, bad.exitCode());
        assertThat(bad.err()).contains("rank must be in [0, world size) = [0, 2), got 2");
    }

    @Test
    void infoPrintsTheSummary() {
        CliRun r = run("info", "--labels", "casme2-5", "--parameters");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out()).contains("\"dims\":[32,64,128]").contains("casme2-5").contains("stages.0")
                .contains("head.fine.weight [5, 128]");
    }

    @Test
    void shortLosoRunPrintsMetricsAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        CliRun r = run("loso", "--manifest", SYNTHETIC.toString(), "--epochs", "1", "--warmup-epochs", "0",
                "--erase-size", "4", "--sam-rho", "0.05", "--input-centring", "ZERO_LEVEL_SCALED",
                "--report", report.toString(),
                "--seed", "3");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out()).contains("recipe composite-28-tta-sqrt").contains("fold 8/8").contains("UF1")
                .contains("UAR");
        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertEquals(96, json.get("samples").asInt());
        // Without --training-config the cross-validated recipe is used, with the flags overriding its fields.
        JsonNode recipe = json.get("training_config");
        assertEquals("zero_level_scaled", recipe.get("input_centring").asText());
        assertEquals(0.4, recipe.get("mixup_alpha").asDouble());
        assertEquals("sqrt", recipe.get("class_weighting").asText());
        assertEquals(1, recipe.get("epochs").asInt());
        assertEquals(0, recipe.get("warmup_epochs").asInt());
        assertEquals(4, recipe.get("erase_size").asInt());
        assertEquals(0.05, recipe.get("sam_rho").asDouble());
        assertEquals(3, json.get("seed").asLong());
        assertThat(json.get("model_config").get("dims").toString()).isEqualTo("[32,64,128]");
        assertThat(json.get("folds")).hasSize(8);
    }

    @Test
    void nativeFoldLoopGivesTheJavaLoopsReportAndPlansExport(@TempDir Path dir) throws Exception {
        Path javaReport = dir.resolve("java.json"), nativeReport = dir.resolve("native.json");
        Path plan = dir.resolve("plan.safetensors");
        String[] common = {"cv", "--manifest", SYNTHETIC.toString(), "--folds", "2", "--epochs", "1", "--seed", "5",
            "--no-held-out-curve", "--input-centring", "zero_level_scaled"};
        CliRun java = run(concat(common, "--report", javaReport.toString()));
        CliRun nat = run(concat(common, "--fold-workers", "1", "--report", nativeReport.toString()));
        assertEquals(0, java.exitCode(), java.err());
        assertEquals(0, nat.exitCode(), nat.err());
        assertThat(nat.out()).contains("2 folds in the native fold loop, up to 1 at once on cpu");
        ObjectMapper mapper = new ObjectMapper();
        JsonNode javaJson = mapper.readTree(Files.readString(javaReport));
        assertEquals(javaJson.get("predictions"), mapper.readTree(Files.readString(nativeReport)).get("predictions"));
        assertThat(javaJson.get("held_out_curve")).isEmpty();  // --no-held-out-curve means off (it once meant on)
        CliRun export = run(concat(common, "--export-plan", plan.toString()));
        assertEquals(0, export.exitCode(), export.err());
        assertThat(export.out()).contains("fold plan written to");
        assertThat(Files.size(plan)).isGreaterThan(96L * 3 * 28 * 28 * 4);
        CliRun overwrite = run(concat(common, "--export-plan", SYNTHETIC.toString()));
        assertEquals(2, overwrite.exitCode());
        assertThat(overwrite.err()).contains("--export-plan");
        CliRun both = run(concat(common, "--export-plan", plan.toString(), "--report", javaReport.toString()));
        assertEquals(2, both.exitCode());
        assertThat(both.err()).contains("it takes no --report or --html");
        CliRun gpu = run(concat(common, "--device", "cuda"));
        assertEquals(2, gpu.exitCode());
        assertThat(gpu.err()).contains("device 'cuda' requested, but this LibTorch build has no CUDA support");
        CliRun graphsOnCpu = run(concat(common, "--cuda-graphs"));
        assertEquals(2, graphsOnCpu.exitCode());
        assertThat(graphsOnCpu.err()).contains("--cuda-graphs needs --device cuda");
        CliRun graphsInPlan = run(concat(common, "--export-plan", plan.toString(), "--cuda-graphs"));
        assertEquals(2, graphsInPlan.exitCode());
        assertThat(graphsInPlan.err()).contains("--cuda-graphs to merba_folds");
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void shortCvRunWritesJsonAndHtmlWithTheSameNumbers(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("cv.json"), html = dir.resolve("cv.html"), recipe = dir.resolve("recipe.json");
        Files.writeString(recipe, "{\"epochs\": 2, \"warmup_epochs\": 1, \"input_centring\": \"zero_level\"}");
        CliRun r = run("cv", "--manifest", SYNTHETIC.toString(), "--folds", "2", "--training-config", recipe.toString(),
                "--ema-decay", "0.9", "--report", report.toString(), "--html", html.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertThat(r.out()).contains("2-fold subject-grouped CV").contains("fold 2/2").contains("held-out metrics");
        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("cv-2", json.get("protocol").asText());
        assertThat(json.get("held_out_curve")).hasSize(2);
        assertEquals("zero_level", json.get("training_config").get("input_centring").asText());
        assertEquals(0.9, json.get("training_config").get("ema_decay").asDouble());
        String page = Files.readString(html);
        assertThat(page).contains(String.format(java.util.Locale.ROOT, "data-metric=\"pooled-uf1\">%.4f<",
                json.get("pooled").get("uf1").asDouble()));
    }

    @Test
    void recipesAreNamedOrGivenAsAFileNotBoth(@TempDir Path dir) throws Exception {
        Path recipe = dir.resolve("recipe.json");
        Files.writeString(recipe, "{\"epochs\": 2}");
        CliRun both = run("loso", "--manifest", SYNTHETIC.toString(), "--recipe", "spec-defaults", "--training-config",
                recipe.toString());
        assertEquals(2, both.exitCode());
        assertThat(both.err()).contains("give --training-config or --recipe, not both");
        CliRun unknown = run("cv", "--manifest", SYNTHETIC.toString(), "--recipe", "best");
        assertEquals(2, unknown.exitCode());
        assertThat(unknown.err()).contains("unknown training recipe 'best'; known recipes: composite-28-tta, composite-28-tta-sqrt, composite-28, spec-defaults");
    }

    @Test
    void failuresWithoutAMessageAreStillDescribed() {
        assertEquals("disk full", MerbaCli.describe(new java.io.IOException("disk full")));
        assertEquals("java.lang.IllegalStateException (caused by java.io.IOException: disk full)",
                MerbaCli.describe(new IllegalStateException(null, new java.io.IOException("disk full"))));
        assertThat(MerbaCli.describe(new NullPointerException())).startsWith("java.lang.NullPointerException at ")
                .contains("MerbaCliTest");
    }

    @Test
    void synthWritesALoadableDataset(@TempDir Path dir) {
        CliRun r = run("synth", dir.toString(), "--subjects", "2", "--per-class", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertThat(dir.resolve("manifest.csv")).exists();
        CliRun train = run("train", "--manifest", dir.resolve("manifest.csv").toString(), "--epochs", "1",
                "--warmup-epochs", "0", "--output", dir.resolve("m.safetensors").toString());
        assertEquals(0, train.exitCode(), train.err());
        assertThat(train.out()).contains("epoch   1/1").contains("training accuracy");
    }

    @Test
    void trainThenPredictRoundTrip(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("synthetic.safetensors");
        CliRun train = run("train", "--manifest", SYNTHETIC.toString(), "--epochs", "2", "--warmup-epochs", "0",
                "--preset", "composite-28", "--output", checkpoint.toString(), "--seed", "5");
        assertEquals(0, train.exitCode(), train.err());
        assertThat(train.out()).contains("saved " + checkpoint);
        assertThat(checkpoint).exists();
        assertThat(Path.of(checkpoint.toString().replace(".safetensors", ".train.safetensors"))).doesNotExist();

        // A manifest: predictions with the truth, and metrics.
        CliRun manifest = run("predict", "--checkpoint", checkpoint.toString(), "--format", "csv", SYNTHETIC.toString());
        assertEquals(0, manifest.exitCode(), manifest.err());
        String[] lines = manifest.out().strip().split("\n");
        assertEquals("sample,coarse,coarse_probability,fine,fine_probability,truth", lines[0]);
        assertEquals(1 + 96, lines.length);
        assertThat(manifest.err()).contains("96 samples: Acc").contains("UF1");

        // A folder and a single file give the same prediction for the same flow file.
        Path flows = SYNTHETIC.resolveSibling("flows");
        CliRun folder = run("predict", "--checkpoint", checkpoint.toString(), "--format", "json", flows.toString());
        assertEquals(0, folder.exitCode(), folder.err());
        JsonNode all = new ObjectMapper().readTree(folder.out());
        assertEquals(96, all.size());
        JsonNode first = all.get(0);
        CliRun one = run("predict", "--checkpoint", checkpoint.toString(), "--format", "json",
                flows.resolve(first.get("sample").asText()).toString());
        assertEquals(0, one.exitCode(), one.err());
        JsonNode single = new ObjectMapper().readTree(one.out()).get(0);
        assertEquals(first.get("fine").asText(), single.get("fine").asText());
        assertEquals(first.get("fine_probability").asDouble(), single.get("fine_probability").asDouble(), 1e-6);

        // info describes the checkpoint: metadata and the model.
        CliRun info = run("info", "--checkpoint", checkpoint.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertThat(info.out()).contains("format merba, version 1").contains("\"epochs_completed\":2")
                .contains("\"dims\":[32,64,128]").contains("megc-3");
    }

    @Test
    void checkpointsThatCannotBeUsedExitWithTwo(@TempDir Path dir) throws Exception {
        CliRun missing = run("predict", "--checkpoint", dir.resolve("absent.safetensors").toString(), SYNTHETIC.toString());
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, missing.exitCode());
        assertThat(missing.err()).contains("absent.safetensors").contains("no such file");
        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "not a checkpoint at all");
        CliRun corrupt = run("info", "--checkpoint", garbage.toString());
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, corrupt.exitCode());
        assertThat(corrupt.err()).contains("garbage.safetensors");
    }

    @Test
    void csvFieldsAreQuotedWhenNeeded() {
        assertEquals("plain", PredictCommand.csv("plain"));
        assertEquals("\"a,b\"", PredictCommand.csv("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", PredictCommand.csv("say \"hi\""));
    }
}
