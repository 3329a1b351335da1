package ai.merba.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.merba.prepare.SyntheticDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code merba prepare} in-process: a folder of frames and a sheet become a manifest that {@code loso} runs on. */
class PrepareCommandTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void prepareThenLoso(@TempDir Path dir) throws Exception {
        Path frames = dir.resolve("CASME2-RAW");
        Path sheet = SyntheticDatabase.write(frames, 3, 5);
        Path out = dir.resolve("prepared");
        CliRun prepare = run("prepare", "--database", "casme2", "--frames", frames.toString(), "--sheet", sheet.toString(),
                "--labels", "megc-3", "--out", out.toString(), "--workers", "2");
        assertEquals(0, prepare.exitCode(), prepare.err());
        assertThat(prepare.out()).contains("9 of 15 rows prepared, 6 rejected")
                .contains("emotion 'others' has no class").contains("frame 13 not found")
                .contains("manifest: " + out.resolve("manifest.csv"));

        CliRun loso = run("loso", "--manifest", out.resolve("manifest.csv").toString(), "--labels", "megc-3",
                "--epochs", "1", "--warmup-epochs", "0", "--batch-size", "4", "--seed", "1");
        assertEquals(0, loso.exitCode(), loso.err());
        assertThat(loso.out()).contains("fold 3/3").contains("UF1");
    }

    @Test
    void aSheetWithNoUsableRowExitsWithTwo(@TempDir Path dir) throws Exception {
        Path frames = Files.createDirectories(dir.resolve("frames"));
        Path sheet = dir.resolve("sheet.csv");
        Files.writeString(sheet, "Subject,Filename,OnsetFrame,ApexFrame,Estimated Emotion\n01,EP01,1,2,happiness\n");
        CliRun r = run("prepare", "--database", "casme2", "--frames", frames.toString(), "--sheet", sheet.toString(),
                "--out", dir.resolve("out").toString());
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, r.exitCode());
        assertThat(r.out()).contains("line 2 (01/EP01): no folder for subject '01'");
        assertThat(r.err()).contains("no row of");
    }

    @Test
    void badOptionsExitWithTwo(@TempDir Path dir) {
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, run("prepare", "--database", "casme2").exitCode());
        CliRun r = run("prepare", "--database", "mmew", "--frames", dir.toString(), "--sheet", "x.csv", "--out",
                dir.toString());
        assertEquals(MerbaCli.EXIT_INVALID_INPUT, r.exitCode());
        assertThat(r.err()).contains("unknown database 'mmew'");
        CliRun help = run("prepare", "--help");
        assertEquals(0, help.exitCode());
        assertThat(help.out()).contains("Usage: merba prepare").contains("--workers");
    }
}
