package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.merba.data.FlowDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Written flow files round-trip through the manifest's decoder. */
class FlowWriterTest {
    private static float[][] planes(int size, long seed) {
        Random rng = new Random(seed);
        float[][] p = new float[3][size * size];
        for (float[] plane : p) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = (float) (rng.nextGaussian() * 2);
            }
        }
        return p;
    }

    @Test
    void npyRoundTripsExactly(@TempDir Path dir) {
        float[][] p = planes(7, 1);
        Path file = dir.resolve("a/b.npy");
        FlowWriter.write(file, p, 7, FlowFormat.NPY, false);
        float[] decoded = FlowDecoder.decode(file, 3, 7);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 49; i++) {
                assertThat(decoded[c * 49 + i]).isEqualTo(p[c][i]);
            }
        }
        // NumPy aligns the data to 64 bytes; so does the writer.
        assertThat(file.toFile().length() - 4 * 3 * 49).isEqualTo(128);
    }

    @Test
    void normalisedNpySpansZeroToOnePerChannel(@TempDir Path dir) {
        float[][] p = planes(5, 2);
        Path file = dir.resolve("n.npy");
        FlowWriter.write(file, p, 5, FlowFormat.NPY, true);
        float[] decoded = FlowDecoder.decode(file, 3, 5);
        for (int c = 0; c < 3; c++) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = 0; i < 25; i++) {
                min = Math.min(min, decoded[c * 25 + i]);
                max = Math.max(max, decoded[c * 25 + i]);
            }
            assertThat(min).isEqualTo(0f);
            assertThat(max).isEqualTo(1f);
        }
    }

    @Test
    void pngRoundTripsToTheMinMaxValuesWithinHalfAGreyLevel(@TempDir Path dir) {
        float[][] p = planes(6, 3);
        Path file = dir.resolve("f.png");
        FlowWriter.write(file, p, 6, FlowFormat.PNG, true);
        float[] decoded = FlowDecoder.decode(file, 3, 6);
        for (int c = 0; c < 3; c++) {
            float[] unit = FlowWriter.minMax(p[c]);
            for (int i = 0; i < 36; i++) {
                assertThat((double) decoded[c * 36 + i]).isCloseTo(unit[i], within(0.5 / 255 + 1e-6));
            }
        }
    }

    @Test
    void aConstantChannelIsWrittenAsZero(@TempDir Path dir) {
        float[][] p = planes(4, 4);
        java.util.Arrays.fill(p[2], 3f);
        Path file = dir.resolve("c.png");
        FlowWriter.write(file, p, 4, FlowFormat.PNG, true);
        float[] decoded = FlowDecoder.decode(file, 3, 4);
        for (int i = 0; i < 16; i++) {
            assertThat(decoded[32 + i]).isEqualTo(0f);
        }
    }

    @Test
    void rawValuesInAPngAreRefused(@TempDir Path dir) {
        assertThatThrownBy(() -> FlowWriter.write(dir.resolve("x.png"), planes(3, 5), 3, FlowFormat.PNG, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min-max");
        assertThat(Files.exists(dir.resolve("x.png"))).isFalse();
    }
}
