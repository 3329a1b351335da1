package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.merba.model.InputCentring;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoded flows know their encoding and zero-motion level, and centring makes "no motion" 0 (spec §5). */
class FlowEncodingTest {
    static final int S = 12;

    @TempDir
    Path dir;

    /**
     * A known motion: still everywhere but a 3×3 patch moving right by 2 and up by 1, with strain 0.5 there. As a
     * min-max image each channel is scaled by its own extremes, so zero motion sits at a different level in each.
     */
    static float[][] knownMotion() {
        float[][] f = new float[3][S * S];
        for (int y = 4; y < 7; y++) {
            for (int x = 2; x < 5; x++) {
                f[0][y * S + x] = 2f;
                f[1][y * S + x] = -1f;
                f[2][y * S + x] = 0.5f;
            }
        }
        f[0][0] = -1f;  // one pixel moving left, so that u's zero is not the minimum
        return f;
    }

    /** The motion written as the composite's PNGs are: each channel min-max normalised to 0–255. */
    Path asMinMaxPng(float[][] f, String name) throws IOException {
        BufferedImage image = new BufferedImage(S, S, BufferedImage.TYPE_INT_RGB);
        int[][] bytes = new int[3][S * S];
        for (int c = 0; c < 3; c++) {
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (float v : f[c]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (int i = 0; i < S * S; i++) {
                bytes[c][i] = Math.round(255 * (f[c][i] - lo) / (hi - lo));
            }
        }
        for (int i = 0; i < S * S; i++) {
            image.setRGB(i % S, i / S, bytes[0][i] << 16 | bytes[1][i] << 8 | bytes[2][i]);
        }
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    @Test
    void minMaxImagesHaveTheirZeroLevelAtTheStillPixels() throws IOException {
        DecodedFlow flow = FlowDecoder.read(asMinMaxPng(knownMotion(), "motion.png"), 3, S);
        assertThat(flow.encoding()).isEqualTo(FlowEncoding.MIN_MAX);
        // u in [-1, 2]: zero at 1/3 → round(85)/255; v in [-1, 0]: zero at the top, 255/255; strain in [0, .5]: 0.
        assertThat(flow.zeroLevel()[0]).isCloseTo(85f / 255, within(1e-6f));
        assertThat(flow.zeroLevel()[1]).isEqualTo(1f);
        assertThat(flow.zeroLevel()[2]).isEqualTo(0f);
        float[] centred = flow.centred();
        // Still pixels become exactly 0; the moving patch keeps its sign: u > 0, v < 0, strain > 0.
        assertThat(centred[S * S - 1]).isZero();
        assertThat(centred[5 * S + 3]).isPositive();
        assertThat(centred[S * S + 5 * S + 3]).isNegative();
        assertThat(centred[2 * S * S + 5 * S + 3]).isPositive();
        assertThat(centred[0]).isNegative();
    }

    @Test
    void aCentredStaticImageIsAllZeros() throws IOException {
        // A still face as a min-max image: each channel one constant level (here three different ones).
        BufferedImage image = new BufferedImage(S, S, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < S * S; i++) {
            image.setRGB(i % S, i / S, 131 << 16 | 77 << 8 | 3);
        }
        Path file = dir.resolve("still.png");
        ImageIO.write(image, "png", file.toFile());
        DecodedFlow flow = FlowDecoder.read(file, 3, S);
        assertThat(flow.zeroLevel()).containsExactly(131f / 255, 77f / 255, 3f / 255);
        assertThat(flow.input(InputCentring.ZERO_LEVEL)).containsOnly(0f);
        assertThat(flow.inputZeroLevel(InputCentring.ZERO_LEVEL)).containsOnly(0f);
        assertThat(flow.input(InputCentring.NONE)).isSameAs(flow.values());
        assertThat(flow.inputZeroLevel(InputCentring.NONE)).isSameAs(flow.zeroLevel());
        // Scaling has no deviation to divide by: the still face stays 0, not NaN.
        assertThat(flow.input(InputCentring.ZERO_LEVEL_SCALED)).containsOnly(0f);
        assertThat(flow.inputZeroLevel(InputCentring.ZERO_LEVEL_SCALED)).containsOnly(0f);
    }

    @Test
    void scalingDividesEachCentredChannelByItsMeanAbsoluteDeviation() {
        // Channel 0: zero level 2, deviations −2, 0, 0, 6 → mean |·| 2 (about the zero level, not the mean 3).
        // Channel 1: zero level 0.5, deviations 0, 0, 0.25, −0.25 → mean 0.125 (counting the zeros at the zero
        // level). Channel 2: still. Each channel has its own divisor.
        float[] values = {0, 2, 2, 8, /* 1 */ 0.5f, 0.5f, 0.75f, 0.25f, /* 2 */ 0.3f, 0.3f, 0.3f, 0.3f};
        DecodedFlow flow = new DecodedFlow(values, FlowEncoding.MIN_MAX, new float[] {2, 0.5f, 0.3f});
        assertThat(flow.input(InputCentring.ZERO_LEVEL_SCALED)).containsExactly(-1, 0, 0, 3, 0, 0, 2, -2, 0, 0, 0, 0);
        assertThat(flow.values()).containsExactly(0, 2, 2, 8, 0.5f, 0.5f, 0.75f, 0.25f, 0.3f, 0.3f, 0.3f, 0.3f);
        // Signed flows in tiny units scale to the same input, without overflow.
        float[] tiny = {0, 0, 1e-38f, -3e-38f};
        float[] scaled = new DecodedFlow(tiny, FlowEncoding.SIGNED, new float[1]).scaled();
        float[] expected = {0, 0, 1, -3};
        for (int i = 0; i < 4; i++) {
            assertThat(scaled[i]).as("value %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }

    @Test
    void scaledInputsDoNotSeeHowAMinMaxImageWasStretched() {
        // The same motion encoded with two different ranges (what min-max does when one image has a faster
        // outlier elsewhere) centres to different values but scales to the same input.
        float[][] f = knownMotion();
        float[] narrow = new float[3 * S * S];
        float[] wide = new float[3 * S * S];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < S * S; i++) {
                narrow[c * S * S + i] = 0.5f + 0.1f * f[c][i];
                wide[c * S * S + i] = 0.4f + 0.3f * f[c][i];
            }
        }
        DecodedFlow a = DecodedFlow.of(narrow, 3, FlowEncoding.MIN_MAX);
        DecodedFlow b = DecodedFlow.of(wide, 3, FlowEncoding.MIN_MAX);
        assertThat(a.centred()).isNotEqualTo(b.centred());
        float[] sa = a.input(InputCentring.ZERO_LEVEL_SCALED);
        float[] sb = b.input(InputCentring.ZERO_LEVEL_SCALED);
        for (int i = 0; i < sa.length; i++) {
            assertThat(sb[i]).as("value %d", i).isCloseTo(sa[i], within(1e-4f));
        }
        float largest = 0;
        for (int i = 0; i < S * S; i++) {  // channel u
            largest = Math.max(largest, Math.abs(sa[i]));
        }
        // The patch (9 pixels of S²) moves at 2 in u, one more pixel at −1: mean |u| = 19/S², so the patch
        // scales to 2·S²/19.
        assertThat(largest).as("the moving patch").isCloseTo(2f * S * S / 19, within(1e-3f));
    }

    @Test
    void signedFlowsHaveTheirZeroAtZero() throws IOException {
        float[][] f = knownMotion();
        ByteBuffer data = ByteBuffer.allocate(4 * 3 * S * S).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] channel : f) {
            for (float v : channel) {
                data.putFloat(v);
            }
        }
        Path file = FlowDecoderTest.writeNpy(dir.resolve("motion.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3, " + S + ", " + S + "), }", data.array());
        DecodedFlow flow = FlowDecoder.read(file, 3, S);
        assertThat(flow.encoding()).isEqualTo(FlowEncoding.SIGNED);
        assertThat(flow.zeroLevel()).containsOnly(0f);
        assertThat(flow.centred()).isEqualTo(flow.values());
    }

    @Test
    void theMedianIsAValueTheChannelHolds() {
        float[] values = {5, 1, 3, 2, /* channel 1 */ 7, 7, 9, 8};
        assertThat(ZeroLevels.median(values, 2)).containsExactly(2f, 7f);
        assertThatThrownBy(() -> ZeroLevels.median(new float[5], 2)).hasMessageContaining("do not split into 2");
    }

    @Test
    void centringTokensReadInAnyLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            assertThat(InputCentring.fromToken("ZERO_LEVEL")).isEqualTo(InputCentring.ZERO_LEVEL);
            assertThat(InputCentring.fromToken("NONE")).isEqualTo(InputCentring.NONE);
            assertThat(InputCentring.fromToken("Zero_Level_Scaled")).isEqualTo(InputCentring.ZERO_LEVEL_SCALED);
        } finally {
            java.util.Locale.setDefault(saved);
        }
        assertThatThrownBy(() -> InputCentring.fromToken("median")).hasMessageContaining("expected none, zero_level or zero_level_scaled");
    }
}
