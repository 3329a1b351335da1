package ai.merba.prepare;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import javax.imageio.ImageIO;

/**
 * Test frames with exactly known motion. The texture is a sum of sinusoids with periods of 6–40 px (smooth and
 * band-limited, so it can be evaluated at any real position): a moved frame is the same function sampled at
 * the pre-image of each pixel, with no interpolation error — only the 8-bit rounding of both frames.
 */
final class SyntheticFrames {
    private final double[] fx;
    private final double[] fy;
    private final double[] phase;
    private final double[] amp;

    SyntheticFrames(long seed) {
        Random rng = new Random(seed);
        int n = 24;
        fx = new double[n];
        fy = new double[n];
        phase = new double[n];
        amp = new double[n];
        for (int k = 0; k < n; k++) {
            double period = 6 + 34 * rng.nextDouble();
            double angle = rng.nextDouble() * Math.PI;
            fx[k] = 2 * Math.PI / period * Math.cos(angle);
            fy[k] = 2 * Math.PI / period * Math.sin(angle);
            phase[k] = rng.nextDouble() * 2 * Math.PI;
            amp[k] = 0.5 + rng.nextDouble();
        }
    }

    /** The texture's grey level at a real position, in about 20–235. */
    double value(double x, double y) {
        double s = 0;
        double norm = 0;
        for (int k = 0; k < fx.length; k++) {
            s += amp[k] * Math.sin(fx[k] * x + fy[k] * y + phase[k]);
            norm += amp[k];
        }
        return 127.5 + 107.5 * s / Math.sqrt(norm * norm / 4);
    }

    /** The texture sampled on a width×height grid. */
    GreyFrame frame(int width, int height) {
        return warped(width, height, (x, y) -> x, (x, y) -> y);
    }

    /**
     * The frame after a motion whose inverse maps each pixel (x, y) back to its source (srcX, srcY): the
     * moved frame at (x, y) shows the texture at the source.
     */
    GreyFrame warped(int width, int height, DoubleBinaryOperator srcX, DoubleBinaryOperator srcY) {
        byte[] pixels = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double g = value(srcX.applyAsDouble(x, y), srcY.applyAsDouble(x, y));
                pixels[y * width + x] = (byte) Math.max(0, Math.min(255, Math.round(g)));
            }
        }
        return new GreyFrame(width, height, pixels);
    }

    /** The frame translated by (dx, dy) pixels: what was at (x, y) is now at (x + dx, y + dy). */
    GreyFrame translated(int width, int height, double dx, double dy) {
        return warped(width, height, (x, y) -> x - dx, (x, y) -> y - dy);
    }

    /** Writes a frame as an 8-bit grey PNG. */
    static void writePng(GreyFrame f, Path file) throws IOException {
        BufferedImage image = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, f.width(), f.height(), f.pixels());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IllegalStateException("no PNG writer");
        }
    }
}
