package ai.merba.data;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.model.LabelScheme;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A small made-up dataset in the format of the real one (28×28 u-v-strain PNGs and a {@code megc-3} manifest,
 * spec §6), for tests and examples that must run where the real data may not be present.
 *
 * <p>Each class moves the face in its own way, as the facial action units behind it do: {@code negative}
 * pulls the brows down and together (AU4), {@code positive} pulls the mouth corners up and outwards (AU12,
 * sometimes with a cheek raise), {@code surprise} raises the brows (AU1+2, sometimes with a jaw drop). To keep
 * it from being trivial, each subject has its own face position, feature spacing, motion strength and
 * left/right asymmetry; each sample has its own amplitude (from a fifth to all of its subject's), position
 * jitter (±1.5 px), head motion, up to three spurious motion blobs anywhere, sometimes an eye blink that moves
 * the brow region like {@code negative} does, and smooth noise (optical flow errors are spatially correlated).
 * A softmax regression on the pixels reaches about 0.9 LOSO accuracy on the default set and a nearest-centroid
 * classifier about 0.8: learnable, not trivial. Strain is computed from the noisy flow as spec §1 defines it,
 * ε = sqrt(u_x² + v_y² + ½·(u_y + v_x)²) with central differences, and each channel is min-max normalised to
 * 0–255 per image like the real data.
 *
 * <p>Everything follows from the seed through one {@link Random} in a fixed order, so the same arguments give
 * byte-identical files (with the same JDK's PNG encoder).
 */
public final class SyntheticFlows {
    /** The side of every image. */
    public static final int SIZE = 28;
    /** Subjects of the default set that {@link #main} writes. */
    public static final int DEFAULT_SUBJECTS = 8;
    /** Samples per class per subject of the default set. */
    public static final int DEFAULT_SAMPLES_PER_CLASS = 4;
    /** Seed of the default set. */
    public static final long DEFAULT_SEED = 42L;
    /** The dataset column's value. */
    public static final String DATASET = "synthetic";
    /** The label scheme of the manifest (labels are written by name). */
    public static final String LABEL_SCHEME = "megc-3";

    private static final int NEGATIVE = 0;
    private static final int POSITIVE = 1;
    private static final int SURPRISE = 2;
    private static final int SPURIOUS_MAX = 3;

    private SyntheticFlows() {}

    /**
     * Writes {@code subjects × 3 × samplesPerClassPerSubject} PNGs under {@code dir/flows/} and their manifest
     * {@code dir/manifest.csv}, creating the folders; files of the same names are overwritten, others left alone.
     *
     * @return the manifest's path
     * @throws IllegalArgumentException if a count is below 1
     * @throws UncheckedIOException if a file cannot be written
     */
    public static Path write(Path dir, int subjects, int samplesPerClassPerSubject, long seed) {
        checkArgument(dir != null, "dir must not be null");
        checkArgument(subjects >= 1, "subjects = %s must be >= 1", subjects);
        checkArgument(samplesPerClassPerSubject >= 1, "samplesPerClassPerSubject = %s must be >= 1",
                samplesPerClassPerSubject);
        List<LabelScheme.FineClass> classes = LabelScheme.builtIn(LABEL_SCHEME).classes();
        String subjectFormat = "sub%0" + Math.max(2, digits(subjects)) + "d";
        String sampleFormat = "%s_%s_%0" + Math.max(2, digits(samplesPerClassPerSubject)) + "d";
        Random rng = new Random(seed);
        StringBuilder manifest = new StringBuilder(String.join(",", Manifest.COLUMNS)).append('\n');
        try {
            Path flows = Files.createDirectories(dir.resolve("flows"));
            for (int s = 0; s < subjects; s++) {
                String subject = String.format(subjectFormat, s + 1);
                Face face = Face.random(rng);
                for (int label = 0; label < classes.size(); label++) {
                    String className = classes.get(label).name();
                    for (int j = 0; j < samplesPerClassPerSubject; j++) {
                        String sample = String.format(sampleFormat, subject, className, j + 1);
                        String file = "flows/" + sample + ".png";
                        BufferedImage image = toImage(flow(face, label, rng));
                        if (!ImageIO.write(image, "png", flows.resolve(sample + ".png").toFile())) {
                            throw new IllegalStateException("no PNG writer in this JDK");
                        }
                        manifest.append(DATASET).append(',').append(subject).append(',').append(sample).append(',')
                                .append(className).append(',').append(file).append('\n');
                    }
                }
            }
            Path csv = dir.resolve("manifest.csv");
            Files.writeString(csv, manifest, StandardCharsets.UTF_8);
            return csv;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic flows under " + dir, e);
        }
    }

    /**
     * Writes the default set: {@code SyntheticFlows <dir> [subjects [samplesPerClassPerSubject [seed]]]}, by
     * default 8 subjects × 4 samples per class, seed 42.
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 4) {
            System.err.println("usage: SyntheticFlows <dir> [subjects [samplesPerClassPerSubject [seed]]]");
            System.exit(2);
        }
        int subjects = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_SUBJECTS;
        int perClass = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_SAMPLES_PER_CLASS;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : DEFAULT_SEED;
        Path csv = write(Path.of(args[0]), subjects, perClass, seed);
        System.out.println("wrote " + subjects * 3 * perClass + " samples of " + subjects + " subjects: " + csv);
    }

    private static int digits(int n) {
        return Integer.toString(n).length();
    }

    /** A subject's face: where its features are and how it moves. */
    private record Face(double cx, double browY, double browHalf, double mouthY, double mouthHalf,
            double strength, double weakSide, double weakFactor, double spread, double noise) {
        static Face random(Random rng) {
            double dx = uniform(rng, -1.5, 1.5);
            double dy = uniform(rng, -1.5, 1.5);
            return new Face(
                    13.5 + dx,
                    8.0 + dy + uniform(rng, -0.8, 0.8),
                    uniform(rng, 4.5, 6.5),
                    20.0 + dy + uniform(rng, -0.8, 0.8),
                    uniform(rng, 4.0, 5.5),
                    uniform(rng, 0.6, 1.4),
                    rng.nextBoolean() ? -1 : 1,
                    uniform(rng, 0.6, 1.0),
                    uniform(rng, 0.85, 1.2),
                    uniform(rng, 0.8, 1.25));
        }

        /** The amplitude factor of side {@code side} (-1 left, +1 right). */
        double side(int side) {
            return side == weakSide ? weakFactor : 1.0;
        }
    }

    /** One sample's (u, v) in pixels, as {u, v}[y][x]. */
    private static double[][][] flow(Face f, int label, Random rng) {
        double[][] u = new double[SIZE][SIZE];
        double[][] v = new double[SIZE][SIZE];
        double a = f.strength * uniform(rng, 0.2, 1.0);
        double jx = uniform(rng, -1.5, 1.5);
        double jy = uniform(rng, -1.5, 1.5);
        double sp = f.spread;
        for (int side = -1; side <= 1; side += 2) {
            double as = a * f.side(side);
            switch (label) {
                case NEGATIVE -> {
                    // Brows down and together.
                    double x0 = f.cx + jx + side * f.browHalf * 0.8;
                    double y0 = f.browY + jy;
                    blob(u, x0, y0, 2.2 * sp, 1.6 * sp, -side * 0.7 * as);
                    blob(v, x0, y0, 2.2 * sp, 1.6 * sp, 0.8 * as);
                }
                case POSITIVE -> {
                    // Mouth corners up and outwards.
                    double x0 = f.cx + jx + side * f.mouthHalf;
                    double y0 = f.mouthY + jy;
                    blob(u, x0, y0, 1.8 * sp, 1.8 * sp, side * 0.8 * as);
                    blob(v, x0, y0, 1.8 * sp, 1.8 * sp, -0.6 * as);
                }
                case SURPRISE -> {
                    // Brows up, slightly outwards, over a broader area.
                    double x0 = f.cx + jx + side * f.browHalf;
                    double y0 = f.browY + jy - 0.5;
                    blob(u, x0, y0, 3.0 * sp, 1.6 * sp, side * 0.2 * as);
                    blob(v, x0, y0, 3.0 * sp, 1.6 * sp, -0.9 * as);
                }
                default -> throw new IllegalStateException("label " + label);
            }
        }
        // Optional second action units, drawn for every class so the draws stay aligned.
        boolean extra = rng.nextDouble() < 0.5;
        if (extra && label == POSITIVE) {
            for (int side = -1; side <= 1; side += 2) {
                blob(v, f.cx + jx + side * (f.mouthHalf + 1), f.mouthY + jy - 5, 2.0 * sp, 1.5 * sp,
                        -0.3 * a * f.side(side));
            }
        } else if (extra && label == SURPRISE) {
            blob(v, f.cx + jx, f.mouthY + jy + 4, 3.0 * sp, 2.0 * sp, 0.5 * a);
        }
        // A blink: the lids move down just under the brows, in any class.
        boolean blink = rng.nextDouble() < 0.35;
        double blinkAmp = uniform(rng, 0.3, 0.9);
        if (blink) {
            for (int side = -1; side <= 1; side += 2) {
                blob(v, f.cx + side * f.browHalf * 0.9, f.browY + 3.5, 1.8, 1.0, blinkAmp);
            }
        }
        // Head motion: a small translation and rotation of the whole face.
        double gu = rng.nextGaussian() * 0.2;
        double gv = rng.nextGaussian() * 0.2;
        double rot = rng.nextGaussian() * 0.01;
        double cy = (f.browY + f.mouthY) / 2;
        // Spurious motion: up to three small blobs anywhere, as tracking errors and other muscles give.
        int spurious = rng.nextInt(SPURIOUS_MAX + 1);
        for (int k = 0; k < SPURIOUS_MAX; k++) {
            double x0 = uniform(rng, 2, SIZE - 3);
            double y0 = uniform(rng, 2, SIZE - 3);
            double s = uniform(rng, 1.0, 2.2);
            double amp = uniform(rng, 0.3, 0.9);
            double angle = uniform(rng, 0, 2 * Math.PI);
            if (k < spurious) {
                blob(u, x0, y0, s, s, amp * Math.cos(angle));
                blob(v, x0, y0, s, s, amp * Math.sin(angle));
            }
        }
        // Noise: mostly smooth, as optical flow errors are spatially correlated, plus a little white noise.
        double sigma = 0.12 * f.noise;
        double[][] nu = smoothNoise(rng, sigma);
        double[][] nv = smoothNoise(rng, sigma);
        double white = 0.01;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                u[y][x] += gu + rot * (y - cy) + nu[y][x] + rng.nextGaussian() * white;
                v[y][x] += gv - rot * (x - f.cx) + nv[y][x] + rng.nextGaussian() * white;
            }
        }
        return new double[][][] {u, v};
    }

    /** Adds a Gaussian bump of peak {@code amp} centred at (x0, y0). */
    private static void blob(double[][] field, double x0, double y0, double sx, double sy, double amp) {
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double dx = (x - x0) / sx;
                double dy = (y - y0) / sy;
                field[y][x] += amp * Math.exp(-0.5 * (dx * dx + dy * dy));
            }
        }
    }

    /** White noise smoothed by three 3×3 box passes (about a Gaussian of σ 1.4 px), rescaled to std {@code sigma}. */
    private static double[][] smoothNoise(Random rng, double sigma) {
        double[][] f = smooth(smooth(smooth(gaussianField(rng, 1.0))));
        double sum = 0;
        double sumSq = 0;
        for (double[] row : f) {
            for (double x : row) {
                sum += x;
                sumSq += x * x;
            }
        }
        int n = SIZE * SIZE;
        double mean = sum / n;
        double std = Math.sqrt(Math.max(sumSq / n - mean * mean, 1e-12));
        for (double[] row : f) {
            for (int x = 0; x < SIZE; x++) {
                row[x] = (row[x] - mean) / std * sigma;
            }
        }
        return f;
    }

    private static double[][] gaussianField(Random rng, double sigma) {
        double[][] f = new double[SIZE][SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                f[y][x] = rng.nextGaussian() * sigma;
            }
        }
        return f;
    }

    /** A 3×3 box mean, the window clipped at the border. */
    private static double[][] smooth(double[][] f) {
        double[][] out = new double[SIZE][SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double sum = 0;
                int n = 0;
                for (int yy = Math.max(0, y - 1); yy <= Math.min(SIZE - 1, y + 1); yy++) {
                    for (int xx = Math.max(0, x - 1); xx <= Math.min(SIZE - 1, x + 1); xx++) {
                        sum += f[yy][xx];
                        n++;
                    }
                }
                out[y][x] = sum / n;
            }
        }
        return out;
    }

    /**
     * The optical strain ε = sqrt(u_x² + v_y² + ½·(u_y + v_x)²) (spec §1) with central differences inside and
     * one-sided differences at the border, as {@code numpy.gradient} computes them.
     */
    static double[][] strain(double[][] u, double[][] v) {
        int h = u.length;
        int w = u[0].length;
        double[][] e = new double[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double ux = dx(u, y, x);
                double vy = dy(v, y, x);
                double shear = dy(u, y, x) + dx(v, y, x);
                e[y][x] = Math.sqrt(ux * ux + vy * vy + 0.5 * shear * shear);
            }
        }
        return e;
    }

    private static double dx(double[][] f, int y, int x) {
        int w = f[0].length;
        if (w == 1) {
            return 0;
        }
        if (x == 0) {
            return f[y][1] - f[y][0];
        }
        if (x == w - 1) {
            return f[y][w - 1] - f[y][w - 2];
        }
        return (f[y][x + 1] - f[y][x - 1]) / 2;
    }

    private static double dy(double[][] f, int y, int x) {
        int h = f.length;
        if (h == 1) {
            return 0;
        }
        if (y == 0) {
            return f[1][x] - f[0][x];
        }
        if (y == h - 1) {
            return f[h - 1][x] - f[h - 2][x];
        }
        return (f[y + 1][x] - f[y - 1][x]) / 2;
    }

    /** R, G, B = u, v, strain, each min-max normalised to 0–255. */
    private static BufferedImage toImage(double[][][] uv) {
        int[][] r = normalise(uv[0]);
        int[][] g = normalise(uv[1]);
        int[][] b = normalise(strain(uv[0], uv[1]));
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                image.setRGB(x, y, (r[y][x] << 16) | (g[y][x] << 8) | b[y][x]);
            }
        }
        return image;
    }

    /** Min-max to 0–255, rounded; a constant channel becomes 0. */
    static int[][] normalise(double[][] f) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : f) {
            for (double x : row) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        double range = max - min;
        int[][] out = new int[f.length][f[0].length];
        for (int y = 0; y < f.length; y++) {
            for (int x = 0; x < f[0].length; x++) {
                out[y][x] = range > 0 ? (int) Math.round((f[y][x] - min) / range * 255) : 0;
            }
        }
        return out;
    }

    private static double uniform(Random rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
