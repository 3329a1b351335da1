package ai.merba.prepare;

/**
 * Optical strain (spec §1): ε = sqrt(u_x² + v_y² + ½·(u_y + v_x)²), the magnitude of the infinitesimal strain
 * tensor of the flow. Derivatives are central differences inside and one-sided at the border (as
 * {@code numpy.gradient}, which the published MER pipelines use), in pixels per pixel, so ε is dimensionless and
 * does not change when the field and its grid are scaled together.
 */
public final class OpticalStrain {
    private OpticalStrain() {}

    /** The strain of {@code flow}, row-major, same size. */
    public static float[] compute(FlowField flow) {
        int w = flow.width();
        int h = flow.height();
        float[] u = flow.u();
        float[] v = flow.v();
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double ux = dx(u, w, x, y);
                double vy = dy(v, w, h, x, y);
                double shear = dy(u, w, h, x, y) + dx(v, w, x, y);
                out[y * w + x] = (float) Math.sqrt(ux * ux + vy * vy + 0.5 * shear * shear);
            }
        }
        return out;
    }

    private static double dx(float[] f, int w, int x, int y) {
        int row = y * w;
        if (w == 1) {
            return 0;
        }
        if (x == 0) {
            return f[row + 1] - f[row];
        }
        if (x == w - 1) {
            return f[row + w - 1] - f[row + w - 2];
        }
        return (f[row + x + 1] - (double) f[row + x - 1]) / 2;
    }

    private static double dy(float[] f, int w, int h, int x, int y) {
        if (h == 1) {
            return 0;
        }
        if (y == 0) {
            return f[w + x] - f[x];
        }
        if (y == h - 1) {
            return f[(h - 1) * w + x] - f[(h - 2) * w + x];
        }
        return (f[(y + 1) * w + x] - (double) f[(y - 1) * w + x]) / 2;
    }
}
