package ai.merba.prepare;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes a sample's three planes (u, v, strain; each size×size, row-major) in a format {@code FlowDecoder} reads
 * back (spec §6): an RGB PNG with each channel min-max normalised to 0–255, or a {@code .npy} float32 array
 * (3, size, size), min-max normalised to [0, 1] (as the PNG decodes) or raw.
 */
public final class FlowWriter {
    private FlowWriter() {}

    /**
     * Writes {@code file}, creating its folder.
     *
     * @throws IllegalArgumentException if a plane has the wrong length, or raw values are asked for in a PNG
     * @throws UncheckedIOException if the file cannot be written
     */
    public static void write(Path file, float[][] planes, int size, FlowFormat format, boolean normalise) {
        if (planes.length != 3) {
            throw new IllegalArgumentException("expected 3 planes (u, v, strain), got " + planes.length);
        }
        for (float[] p : planes) {
            if (p.length != size * size) {
                throw new IllegalArgumentException("a plane has " + p.length + " values, expected " + size * size);
            }
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (format == FlowFormat.PNG) {
                if (!normalise) {
                    throw new IllegalArgumentException("PNG flows are always min-max normalised");
                }
                writePng(file, planes, size);
            } else {
                writeNpy(file, planes, size, normalise);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void writePng(Path file, float[][] planes, int size) throws IOException {
        int[][] bytes = new int[3][];
        for (int c = 0; c < 3; c++) {
            float[] unit = minMax(planes[c]);
            bytes[c] = new int[unit.length];
            for (int i = 0; i < unit.length; i++) {
                bytes[c][i] = Math.round(unit[i] * 255f);
            }
        }
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int i = y * size + x;
                image.setRGB(x, y, (bytes[0][i] << 16) | (bytes[1][i] << 8) | bytes[2][i]);
            }
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IllegalStateException("no PNG writer in this JDK");
        }
    }

    private static void writeNpy(Path file, float[][] planes, int size, boolean normalise) throws IOException {
        // Format version 1.0: magic, version, little-endian header length, then a dict padded with spaces and a
        // newline so that the data starts at a multiple of 64 bytes, as NumPy writes it.
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, " + size + ", " + size + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 12 * size * size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        for (float[] plane : planes) {
            for (float value : normalise ? minMax(plane) : plane) {
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException(file + ": flow value " + value + " is not finite");
                }
                buf.putFloat(value);
            }
        }
        Files.write(file, buf.array());
    }

    /** Each value mapped to [0, 1] by the plane's minimum and maximum; a constant plane becomes 0. */
    static float[] minMax(float[] plane) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : plane) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        float range = max - min;
        float[] out = new float[plane.length];
        if (range > 0) {
            for (int i = 0; i < plane.length; i++) {
                out[i] = (plane[i] - min) / range;
            }
        }
        return out;
    }
}
