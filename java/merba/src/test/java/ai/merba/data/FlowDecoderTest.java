package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowDecoderTest {
    @TempDir
    Path dir;

    /** Writes a .npy file the way NumPy does: magic, version, header length, padded dict, raw data. */
    static Path writeNpy(Path file, int major, String dict, byte[] data) throws IOException {
        int preamble = major == 1 ? 10 : 12;
        StringBuilder header = new StringBuilder(dict);
        while ((preamble + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = ByteBuffer.allocate(preamble + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            buf.putShort((short) h.length);
        } else {
            buf.putInt(h.length);
        }
        buf.put(h).put(data);
        Files.write(file, buf.array());
        return file;
    }

    static byte[] floats(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape
                + ", }";
    }

    /** 3 × 2 × 2 values 0, 1, …, 11 in C order. */
    static float[] ramp() {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f - 1f;
        }
        return v;
    }

    // ---- images ----

    @Test
    void pngChannelsAreRgbScaledToUnitRange() throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xFF0000); // pure R
        image.setRGB(1, 0, 0x00FF00); // pure G
        image.setRGB(0, 1, 0x0000FF); // pure B
        image.setRGB(1, 1, 0x336699); // 51, 102, 153
        Path file = dir.resolve("flow.png");
        ImageIO.write(image, "png", file.toFile());

        float[] f = FlowDecoder.decode(file, 3, 2);

        // (C, H, W): index (c·2 + y)·2 + x.
        assertThat(f).hasSize(12);
        assertThat(f[0]).isEqualTo(1.0f); // R at (0, 0): 255 → 1.0, channel 0 = u
        assertThat(f[4 + 1]).isEqualTo(1.0f); // G at (x 1, y 0), channel 1 = v
        assertThat(f[8 + 2]).isEqualTo(1.0f); // B at (x 0, y 1), channel 2 = strain
        assertThat(f[1]).isZero(); // R of the pure-G pixel
        assertThat(f[3]).isEqualTo(51 / 255f);
        assertThat(f[4 + 3]).isEqualTo(102 / 255f);
        assertThat(f[8 + 3]).isEqualTo(153 / 255f);
    }

    @Test
    void jpegDecodes() throws IOException {
        BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                image.setRGB(x, y, 0x808080);
            }
        }
        Path file = dir.resolve("flow.jpg");
        ImageIO.write(image, "jpeg", file.toFile());
        float[] f = FlowDecoder.decode(file, 3, 4);
        assertThat(f).hasSize(48);
        for (float v : f) {
            assertThat(v).isBetween(0.45f, 0.55f);
        }
    }

    @Test
    void greyImageIsRejectedForThreeChannels() throws IOException {
        Path file = dir.resolve("grey.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", file.toFile());
        assertThatThrownBy(() -> FlowDecoder.decode(file, 3, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grey.png")
                .hasMessageContaining("has 1 channel, expected 3");
        assertThat(FlowDecoder.decode(file, 1, 4)).hasSize(16).containsOnly(0f);
    }

    @Test
    void wrongSizeNamesBoth() throws IOException {
        Path file = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(32, 30, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        assertThatThrownBy(() -> FlowDecoder.decode(file, 3, 28))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("big.png")
                .hasMessageContaining("32×30")
                .hasMessageContaining("expected 28×28");
    }

    @Test
    void undecodableMissingAndUnsupportedFiles() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.png"), "not a png");
        assertThatThrownBy(() -> FlowDecoder.decode(junk, 3, 28))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("junk.png")
                .hasMessageContaining("cannot decode");
        assertThatThrownBy(() -> FlowDecoder.decode(dir.resolve("absent.png"), 3, 28))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent.png");
        assertThatThrownBy(() -> FlowDecoder.decode(dir.resolve("flow.bmp"), 3, 28))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flow.bmp")
                .hasMessageContaining("unsupported file type");
        assertThatThrownBy(() -> FlowDecoder.decode(junk, 0, 28)).hasMessageContaining("channels = 0");
        assertThatThrownBy(() -> FlowDecoder.decode(junk, 3, 0)).hasMessageContaining("size = 0");
    }

    // ---- .npy ----

    @Test
    void npyRoundTripVersion1And2() throws IOException {
        float[] values = ramp();
        for (int major = 1; major <= 2; major++) {
            Path file = writeNpy(dir.resolve("v" + major + ".npy"), major, dict("<f4", false, "(3, 2, 2)"),
                    floats(values));
            assertThat(FlowDecoder.decode(file, 3, 2)).containsExactly(values);
        }
    }

    @Test
    void npyHeaderWithoutTrailingCommaOrPadding() throws IOException {
        Path file = dir.resolve("tight.npy");
        writeNpy(file, 1, "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(3,2,2)}", floats(ramp()));
        assertThat(FlowDecoder.decode(file, 3, 2)).containsExactly(ramp());
    }

    @Test
    void npyBadHeaders() throws IOException {
        byte[] data = floats(ramp());
        assertNpyError(writeNpy(dir.resolve("be.npy"), 1, dict(">f4", false, "(3, 2, 2)"), data),
                "dtype '>f4' is not supported");
        assertNpyError(writeNpy(dir.resolve("f8.npy"), 1, dict("<f8", false, "(3, 2, 2)"), data),
                "dtype '<f8' is not supported");
        assertNpyError(writeNpy(dir.resolve("fortran.npy"), 1, dict("<f4", true, "(3, 2, 2)"), data),
                "Fortran order");
        assertNpyError(writeNpy(dir.resolve("shape.npy"), 1, dict("<f4", false, "(2, 3, 2)"), data),
                "shape (2, 3, 2), expected (C, H, W) = (3, 2, 2)");
        assertNpyError(writeNpy(dir.resolve("flat.npy"), 1, dict("<f4", false, "(12,)"), data),
                "shape (12,)");
        assertNpyError(writeNpy(dir.resolve("short.npy"), 1, dict("<f4", false, "(3, 2, 2)"),
                floats(1, 2, 3)), "data has 12 bytes, expected 48");
        assertNpyError(writeNpy(dir.resolve("v3.npy"), 3, dict("<f4", false, "(3, 2, 2)"), data),
                "version 3.0 is not supported");
        assertNpyError(writeNpy(dir.resolve("garbled.npy"), 1, "{'descr': '<f4', 'shape': [3, 2, 2]}", data),
                "malformed .npy header");
        assertNpyError(writeNpy(dir.resolve("nodescr.npy"), 1, "{'fortran_order': False, 'shape': (3, 2, 2)}",
                data), "no 'descr'");
        assertNpyError(Files.write(dir.resolve("magic.npy"), "NUMPY is not here".getBytes(StandardCharsets.US_ASCII)),
                "magic string");
        float[] nan = ramp();
        nan[5] = Float.NaN;
        assertNpyError(writeNpy(dir.resolve("nan.npy"), 1, dict("<f4", false, "(3, 2, 2)"), floats(nan)),
                "at (c, y, x) = (1, 0, 1) is not finite");
    }

    private static void assertNpyError(Path file, String message) {
        assertThatThrownBy(() -> FlowDecoder.decode(file, 3, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(message);
    }
}
