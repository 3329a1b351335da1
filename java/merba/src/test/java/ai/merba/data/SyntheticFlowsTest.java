package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.merba.model.LabelScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticFlowsTest {
    static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    /** The checked-in default set; tests run in the java module's folder. */
    static final Path CHECKED_IN = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic", "manifest.csv");

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesIdenticalBytes() throws IOException {
        Path a = SyntheticFlows.write(dir.resolve("a"), 2, 2, 11L);
        Path b = SyntheticFlows.write(dir.resolve("b"), 2, 2, 11L);
        Path c = SyntheticFlows.write(dir.resolve("c"), 2, 2, 12L);
        assertThat(Files.readString(a)).isEqualTo(Files.readString(b));
        List<String> files = list(a.getParent().resolve("flows"));
        assertThat(files).hasSize(12).isEqualTo(list(b.getParent().resolve("flows")));
        boolean anyDiffers = false;
        for (String f : files) {
            byte[] bytesA = Files.readAllBytes(a.getParent().resolve("flows").resolve(f));
            assertThat(bytesA).as(f).isEqualTo(Files.readAllBytes(b.getParent().resolve("flows").resolve(f)));
            anyDiffers |= !Arrays.equals(bytesA, Files.readAllBytes(c.getParent().resolve("flows").resolve(f)));
        }
        assertThat(anyDiffers).as("another seed gives other flows").isTrue();
    }

    private static List<String> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void manifestLoadsWithBalancedClasses() {
        Path csv = SyntheticFlows.write(dir, 3, 2, 5L);
        assertThat(csv).isEqualTo(dir.resolve("manifest.csv"));
        Manifest m = Manifest.load(csv, MEGC3, 3, 28);
        assertThat(m.samples()).hasSize(18);
        assertThat(m.subjects()).containsExactly("sub01", "sub02", "sub03");
        assertThat(m.datasets()).containsExactly("synthetic");
        assertThat(FlowDataset.load(m).classCounts()).containsExactly(6, 6, 6);
        assertThat(m.samples().get(0).sample()).isEqualTo("sub01_negative_01");
    }

    @Test
    void channelsAreMinMaxNormalised() {
        FlowDataset data = FlowDataset.load(Manifest.load(SyntheticFlows.write(dir, 2, 1, 3L), MEGC3, 3, 28));
        int plane = 28 * 28;
        for (int i = 0; i < data.size(); i++) {
            float[] x = data.features(i);
            for (int c = 0; c < 3; c++) {
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (int k = c * plane; k < (c + 1) * plane; k++) {
                    min = Math.min(min, x[k]);
                    max = Math.max(max, x[k]);
                }
                assertThat(min).isZero();
                assertThat(max).isEqualTo(1f);
            }
        }
    }

    @Test
    void strainUsesCentralDifferences() {
        // u = x² (u_x = 2x inside), v = 3y (v_y = 3), no shear: ε = sqrt(4x² + 9).
        double[][] u = new double[4][5];
        double[][] v = new double[4][5];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                u[y][x] = x * x;
                v[y][x] = 3 * y;
            }
        }
        double[][] e = SyntheticFlows.strain(u, v);
        assertThat(e[1][2]).isCloseTo(Math.sqrt(16 + 9), offset(1e-12));
        // Border: one-sided, u_x(0) = u(1) - u(0) = 1.
        assertThat(e[0][0]).isCloseTo(Math.sqrt(1 + 9), offset(1e-12));
    }

    @Test
    void checkedInSetIsWhatTheGeneratorMakes() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(CHECKED_IN), "test-data/synthetic is not present");
        Path csv = SyntheticFlows.write(dir, SyntheticFlows.DEFAULT_SUBJECTS, SyntheticFlows.DEFAULT_SAMPLES_PER_CLASS,
                SyntheticFlows.DEFAULT_SEED);
        assertThat(Files.readString(csv)).isEqualTo(Files.readString(CHECKED_IN));
        // Compared decoded, not as bytes: another JDK's PNG encoder may compress differently.
        FlowDataset fresh = FlowDataset.load(Manifest.load(csv, MEGC3, 3, 28));
        FlowDataset stored = FlowDataset.load(Manifest.load(CHECKED_IN, MEGC3, 3, 28));
        assertThat(stored.size()).isEqualTo(96);
        assertThat(stored.subjects()).hasSize(8);
        for (int i = 0; i < fresh.size(); i++) {
            assertThat(stored.features(i)).as(stored.sample(i).sample()).isEqualTo(fresh.features(i));
        }
    }

    @Test
    void argumentsAreChecked() {
        assertThatThrownBy(() -> SyntheticFlows.write(dir, 0, 1, 1L)).hasMessageContaining("subjects = 0");
        assertThatThrownBy(() -> SyntheticFlows.write(dir, 1, 0, 1L))
                .hasMessageContaining("samplesPerClassPerSubject = 0");
    }
}
