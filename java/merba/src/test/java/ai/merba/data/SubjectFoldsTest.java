package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.data.FlowDataset.Fold;
import ai.merba.model.LabelScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubjectFoldsTest {
    @TempDir
    static Path dir;
    static FlowDataset data;

    @BeforeAll
    static void load() {
        data = FlowDataset.load(Manifest.load(SyntheticFlows.write(dir, 7, 2, 3L), LabelScheme.builtIn("megc-3"), 3, 28));
    }

    @Test
    void everySubjectIsInExactlyOneFoldAndEverySampleTestedOnce() {
        List<Fold> folds = data.subjectKFold(3, 11);
        assertThat(folds).hasSize(3);
        Set<String> seen = new HashSet<>();
        int tested = 0;
        for (Fold f : folds) {
            assertThat(f.heldOutSubjects()).isNotEmpty();
            for (String s : f.heldOutSubjects()) {
                assertThat(seen.add(s)).as(s + " in two folds").isTrue();
            }
            assertThat(f.test().subjects()).containsExactlyInAnyOrderElementsOf(f.heldOutSubjects());
            assertThat(f.train().subjects()).doesNotContainAnyElementsOf(f.heldOutSubjects());
            assertThat(f.train().size() + f.test().size()).isEqualTo(data.size());
            tested += f.test().size();
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(data.subjects());
        assertThat(tested).isEqualTo(data.size());
    }

    @Test
    void theSplitFollowsTheSeed() {
        assertThat(SubjectFolds.stratified(data, 3, 5)).isEqualTo(SubjectFolds.stratified(data, 3, 5));
        List<List<List<String>>> splits = new ArrayList<>();
        for (long seed = 0; seed < 6; seed++) {
            splits.add(SubjectFolds.stratified(data, 3, seed));
        }
        assertThat(new HashSet<>(splits)).hasSizeGreaterThan(1);
    }

    @Test
    void kMustFitTheSubjects() {
        assertThatThrownBy(() -> data.subjectKFold(1, 0)).hasMessageContaining("must be in 2..7");
        assertThatThrownBy(() -> data.subjectKFold(8, 0)).hasMessageContaining("must be in 2..7");
        assertThat(data.subjectKFold(7, 0)).allMatch(f -> f.heldOutSubjects().size() == 1);
    }

    @Test
    void theCompositeSplitsIntoBalancedFolds() {
        Assumptions.assumeTrue(Files.isRegularFile(ManifestTest.COMPOSITE), "the shared composite data is not present");
        FlowDataset real = FlowDataset.load(Manifest.load(ManifestTest.COMPOSITE, LabelScheme.builtIn("megc-3"), 3, 28));
        List<Fold> folds = real.subjectKFold(5, 1);
        // 309 samples: each fold near 62, and each holds each class of each dataset.
        for (Fold f : folds) {
            assertThat(f.test().size()).as("fold %d size", f.index()).isBetween(50, 75);
            for (String dataset : List.of("smic", "casme2")) {
                int[] counts = new int[3];
                for (int i = 0; i < f.test().size(); i++) {
                    if (f.test().sample(i).dataset().equals(dataset)) {
                        counts[f.test().label(i)]++;
                    }
                }
                assertThat(counts).as("fold %d %s", f.index(), dataset).doesNotContain(0);
            }
        }
    }
}
