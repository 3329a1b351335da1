package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import ai.merba.data.Manifest;
import ai.merba.model.LabelScheme;
import ai.merba.prepare.adapter.AdapterResult;
import ai.merba.prepare.adapter.Casme2Adapter;
import ai.merba.prepare.adapter.EmotionMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A synthetic database through the whole pipeline: sheet → flows → a manifest that MERba loads. */
class DatasetPreparerTest {
    private static final int SUBJECTS = 3;

    @Test
    void preparesALoadableManifestAndReportsEveryUnusableRow(@TempDir Path dir) throws IOException {
        Path sheet = SyntheticDatabase.write(dir.resolve("db"), SUBJECTS, 1);
        AdapterResult rows = new Casme2Adapter().read(sheet, dir.resolve("db"));
        LabelScheme megc = LabelScheme.builtIn("megc-3");
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger lastTotal = new AtomicInteger();
        PrepareReport report = new DatasetPreparer(FlowConfig.defaults(), 2)
                .withProgress((done, total) -> {
                    calls.incrementAndGet();
                    lastTotal.set(total);
                })
                .prepare(rows, EmotionMapping.forScheme(megc), dir.resolve("out"));
        // One progress call per sample that reaches the flow stage: not the 'others' rows (no class), not the
        // rows with a missing frame (rejected by the adapter).
        assertThat(calls.get()).isEqualTo(SUBJECTS * SyntheticDatabase.USABLE_PER_SUBJECT);
        assertThat(lastTotal.get()).isEqualTo(calls.get());

        assertThat(report.rows()).isEqualTo(SUBJECTS * (SyntheticDatabase.USABLE_PER_SUBJECT + 2));
        assertThat(report.prepared()).isEqualTo(SUBJECTS * SyntheticDatabase.USABLE_PER_SUBJECT);
        assertThat(report.rejected()).hasSize(2 * SUBJECTS);
        assertThat(report.rejected()).filteredOn(r -> r.sample().equals("EP09_o"))
                .allSatisfy(r -> assertThat(r.reason()).contains("emotion 'others' has no class in label scheme"))
                .hasSize(SUBJECTS);
        assertThat(report.rejected()).filteredOn(r -> r.sample().equals("EP10_m"))
                .allSatisfy(r -> assertThat(r.reason()).contains("frame 13 not found")).hasSize(SUBJECTS);
        assertThat(Files.readAllLines(dir.resolve("out/prepare-report.csv"))).hasSize(1 + 2 * SUBJECTS);

        Manifest manifest = Manifest.load(report.manifest(), megc, 3, 28);
        assertThat(manifest.subjects()).containsExactly("sub01", "sub02", "sub03");
        assertThat(manifest.datasets()).containsExactly("casme2");
        assertThat(manifest.samples()).extracting(s -> megc.classes().get(s.label()).name())
                .containsExactly("positive", "negative", "surprise", "positive", "negative", "surprise",
                        "positive", "negative", "surprise");
        assertThat(FlowConfig.fromJson(Files.readString(dir.resolve("out/flow-config.json"))))
                .isEqualTo(FlowConfig.defaults());
        assertThat(report.sampleSeconds()).isPositive();
    }

    @Test
    void outputIsByteIdenticalWhateverTheNumberOfWorkers(@TempDir Path dir) throws IOException {
        Path sheet = SyntheticDatabase.write(dir.resolve("db"), 2, 2);
        AdapterResult rows = new Casme2Adapter().read(sheet, dir.resolve("db"));
        EmotionMapping mapping = EmotionMapping.forScheme(LabelScheme.builtIn("casme2-5"));
        FlowConfig npy = FlowConfig.builder().optFormat(FlowFormat.NPY).optOutputSize(16).build();
        new DatasetPreparer(npy, 1).prepare(rows, mapping, dir.resolve("one"));
        new DatasetPreparer(npy, 3).prepare(rows, mapping, dir.resolve("three"));

        List<Path> files = files(dir.resolve("one"));
        // casme2-5 has a class for 'others': 4 flows per subject, then manifest, report and config.
        assertThat(files).hasSize(2 * 4 + 3);
        assertThat(files(dir.resolve("three"))).isEqualTo(files);
        for (Path f : files) {
            assertThat(Files.readAllBytes(dir.resolve("three").resolve(f)))
                    .as(f.toString()).isEqualTo(Files.readAllBytes(dir.resolve("one").resolve(f)));
        }
        // .npy flows load too, in the 5-class scheme.
        assertThat(Manifest.load(dir.resolve("one/manifest.csv"), LabelScheme.builtIn("casme2-5"), 3, 16).samples())
                .hasSize(8);
    }

    @Test
    void theFlowOfAHappinessClipPointsUpAtTheMouthCorners(@TempDir Path dir) throws IOException {
        // The synthetic happiness motion moves the mouth corners (x 20 and 44, y 46 of 64) up by ~1 px: the
        // flow there must point up (v < 0) and the left corner left, the right corner right.
        Path sheet = SyntheticDatabase.write(dir.resolve("db"), 1, 3);
        AdapterResult rows = new Casme2Adapter().read(sheet, dir.resolve("db"));
        try (FlowExtractor extractor = new FlowExtractor(FlowConfig.builder().optOutputSize(64).build())) {
            var happy = rows.samples().get(0);
            float[][] planes = extractor.extract(happy.onsetFile(), happy.apexFile(), null, dir.resolve("h.png"));
            int left = 46 * 64 + 20;
            int right = 46 * 64 + 44;
            assertThat(planes[1][left]).isLessThan(-0.5f);
            assertThat(planes[1][right]).isLessThan(-0.5f);
            assertThat(planes[0][left]).isLessThan(-0.5f);
            assertThat(planes[0][right]).isGreaterThan(0.5f);
            // Far from both bumps nothing moves.
            assertThat(Math.abs(planes[0][10 * 64 + 32])).isLessThan(0.2f);
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
        }
    }
}
