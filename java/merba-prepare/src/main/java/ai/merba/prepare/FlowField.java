package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * A dense displacement field from the onset to the apex frame: at pixel (x, y) of the onset frame, the motion
 * (u, v) in pixels, u to the right and v downwards (OpenCV's convention). Planes are row-major.
 */
public record FlowField(int width, int height, float[] u, float[] v) {
    public FlowField {
        checkArgument(width >= 1 && height >= 1, "flow size %s×%s must be positive", width, height);
        long n = (long) width * height;
        checkArgument(u != null && v != null && u.length == n && v.length == n,
                "a %s×%s flow needs u and v of %s values", width, height, n);
    }

    /** The mean of u over the pixels whose distance to every border is at least {@code border}. */
    public double meanU(int border) {
        return mean(u, border);
    }

    /** The mean of v over the pixels whose distance to every border is at least {@code border}. */
    public double meanV(int border) {
        return mean(v, border);
    }

    private double mean(float[] plane, int border) {
        checkArgument(border >= 0 && 2 * border < width && 2 * border < height,
                "border %s leaves nothing of a %s×%s field", border, width, height);
        double sum = 0;
        for (int y = border; y < height - border; y++) {
            for (int x = border; x < width - border; x++) {
                sum += plane[y * width + x];
            }
        }
        return sum / ((double) (width - 2 * border) * (height - 2 * border));
    }
}
