package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.data.FlowDataset.Fold;
import ai.merba.model.LabelScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowDatasetTest {
    static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");

    @TempDir
    static Path dir;
    static FlowDataset data;

    @BeforeAll
    static void load() {
        Path csv = SyntheticFlows.write(dir, 4, 2, 7L);
        data = FlowDataset.load(Manifest.load(csv, MEGC3, 3, 28));
    }

    @Test
    void decodesEverySampleOnce() {
        assertThat(data.size()).isEqualTo(24);
        assertThat(data.channels()).isEqualTo(3);
        assertThat(data.inputSize()).isEqualTo(28);
        assertThat(data.labels()).isSameAs(MEGC3);
        assertThat(data.subjects()).containsExactly("sub01", "sub02", "sub03", "sub04");
        assertThat(data.classCounts()).containsExactly(8, 8, 8);
        for (int i = 0; i < data.size(); i++) {
            assertThat(data.features(i)).hasSize(3 * 28 * 28)
                    .isEqualTo(FlowDecoder.decode(data.sample(i).file(), 3, 28));
            assertThat(data.features(i)).isSameAs(data.features(i));
            assertThat(data.label(i)).isEqualTo(data.sample(i).label());
        }
    }

    @Test
    void subsetSharesTheCache() {
        FlowDataset sub = data.subset(new int[] {5, 0, 5});
        assertThat(sub.size()).isEqualTo(3);
        assertThat(sub.sample(0)).isEqualTo(data.sample(5));
        assertThat(sub.features(0)).isSameAs(data.features(5));
        assertThat(sub.features(1)).isSameAs(data.features(0));
        assertThat(sub.features(2)).isSameAs(data.features(5));
        assertThat(data.subset(new int[0]).size()).isZero();
        assertThatThrownBy(() -> data.subset(new int[] {0, 24}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("indices[1] = 24");
        assertThatThrownBy(() -> data.features(24)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void leaveOneSubjectOutTestsEachSampleExactlyOnce() {
        List<Fold> folds = data.leaveOneSubjectOut();
        assertThat(folds).extracting(Fold::heldOutSubject).containsExactlyElementsOf(data.subjects());
        assertThat(folds).extracting(Fold::heldOutSubjects).allMatch(s -> s.size() == 1);
        Map<Sample, Integer> tested = new HashMap<>();
        for (Fold f : folds) {
            assertThat(f.index()).isEqualTo(folds.indexOf(f));
            assertThat(f.test().subjects()).containsExactly(f.heldOutSubject());
            assertThat(f.train().subjects()).doesNotContain(f.heldOutSubject()).hasSize(3);
            assertThat(f.train().size() + f.test().size()).isEqualTo(data.size());
            for (int i = 0; i < f.test().size(); i++) {
                tested.merge(f.test().sample(i), 1, Integer::sum);
            }
        }
        assertThat(tested).hasSize(data.size()).allSatisfy((s, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void oneSubjectIsNotEnoughForLoso() {
        assertThatThrownBy(() -> data.subset(new int[] {0, 1}).leaveOneSubjectOut())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two subjects");
    }

    /** The synthetic data with each manifest row's dataset column set by {@code datasetOf} (given the row's fields). */
    private static FlowDataset withDatasets(java.util.function.Function<String[], String> datasetOf, String name)
            throws IOException {
        return ai.merba.Fixtures.withDatasets(dir.resolve("manifest.csv"), datasetOf, dir.resolve(name));
    }

    @Test
    void leaveOneDatasetOutHoldsOutEachDatasetWhole() throws IOException {
        assertThat(data.subjects()).containsExactly("sub01", "sub02", "sub03", "sub04");
        Map<String, String> datasetOf = Map.of("sub01", "b", "sub02", "a", "sub03", "b", "sub04", "a");
        FlowDataset two = withDatasets(row -> datasetOf.get(row[1]), "two.csv");
        List<Fold> folds = two.leaveOneDatasetOut();
        assertThat(folds).hasSize(2);
        // In order of first appearance: dataset b (sub01, sub03), then a.
        assertThat(folds.get(0).heldOutSubjects()).containsExactly("sub01", "sub03");
        assertThat(folds.get(1).heldOutSubjects()).containsExactly("sub02", "sub04");
        for (Fold f : folds) {
            String held = f.index() == 0 ? "b" : "a";
            for (int i = 0; i < f.test().size(); i++) {
                assertThat(f.test().sample(i).dataset()).isEqualTo(held);
            }
            for (int i = 0; i < f.train().size(); i++) {
                assertThat(f.train().sample(i).dataset()).isNotEqualTo(held);
            }
            assertThat(f.train().size() + f.test().size()).isEqualTo(two.size());
        }
        assertThatThrownBy(() -> data.leaveOneDatasetOut()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two datasets");
    }

    @Test
    void aSubjectInTwoDatasetsCannotBeHeldOutByDataset() throws IOException {
        // sub01's first row in dataset b, every other row in a.
        boolean[] moved = {false};
        FlowDataset mixed = withDatasets(row -> {
            boolean first = row[1].equals("sub01") && !moved[0];
            moved[0] |= first;
            return first ? "b" : "a";
        }, "mixed.csv");
        assertThatThrownBy(mixed::leaveOneDatasetOut).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subject 'sub01' occurs in datasets 'b' and 'a'");
    }

    @Test
    void realComposite() {
        Assumptions.assumeTrue(Files.isRegularFile(ManifestTest.COMPOSITE), "the shared composite data is not present");
        FlowDataset real = FlowDataset.load(Manifest.load(ManifestTest.COMPOSITE, MEGC3, 3, 28));
        assertThat(real.size()).isEqualTo(309);
        assertThat(real.subjects()).hasSize(40);
        assertThat(real.classCounts()).containsExactly(158, 83, 68);
        List<Fold> folds = real.leaveOneSubjectOut();
        assertThat(folds).hasSize(40);
        assertThat(folds.stream().mapToInt(f -> f.test().size()).sum()).isEqualTo(309);
        float[] x = real.features(0);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isGreaterThanOrEqualTo(0f);
        assertThat(max).isLessThanOrEqualTo(1f).isGreaterThan(0f);
    }

    @Test
    void loadRejectsNull() throws IOException {
        assertThatThrownBy(() -> FlowDataset.load(null)).hasMessageContaining("manifest");
    }
}
