package ai.merba.prepare;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A tiny database in CASME II's layout for end-to-end tests: {@code sub01/EP01_h/img10.jpg …} and a sheet with
 * CASME II's columns. Each subject has one clip per emotion (happiness, disgust, surprise), where a textured
 * "face" moves as that emotion's action unit would (mouth corners up and out; brows down and together; brows
 * up), and two rows that cannot be used: an emotion outside {@code megc-3} and a missing apex frame.
 */
public final class SyntheticDatabase {
    /** Frame side. */
    public static final int SIZE = 64;
    /** Rows per subject that give a sample (one per emotion). */
    public static final int USABLE_PER_SUBJECT = 3;

    private SyntheticDatabase() {}

    /** Writes {@code subjects} subjects under {@code root} and returns the sheet, {@code root/casme2.csv}. */
    public static Path write(Path root, int subjects, long seed) throws IOException {
        StringBuilder sheet = new StringBuilder(
                "Subject,Filename,OnsetFrame,ApexFrame,OffsetFrame,Action Units,Estimated Emotion\n");
        String[] emotions = {"happiness", "disgust", "surprise"};
        for (int s = 1; s <= subjects; s++) {
            SyntheticFrames texture = new SyntheticFrames(seed * 1000 + s);
            for (int e = 0; e < emotions.length; e++) {
                String clip = String.format("EP%02d_%s", e + 1, emotions[e].substring(0, 1));
                Path dir = Files.createDirectories(root.resolve(String.format("sub%02d/%s", s, clip)));
                double amp = 1.0 + 0.3 * s / subjects;
                write(texture.frame(SIZE, SIZE), dir.resolve("img10.jpg"));
                write(moved(texture, e, amp, 0.5), dir.resolve("img12.jpg"));
                write(moved(texture, e, amp, 1.0), dir.resolve("img14.jpg"));
                sheet.append(String.format("%02d,%s,10,14,16,AU,%s%n", s, clip, emotions[e]));
            }
            Path others = Files.createDirectories(root.resolve(String.format("sub%02d/EP09_o", s)));
            write(texture.frame(SIZE, SIZE), others.resolve("img1.jpg"));
            write(texture.translated(SIZE, SIZE, 0.5, 0), others.resolve("img3.jpg"));
            sheet.append(String.format("%02d,EP09_o,1,3,5,AU,others%n", s));
            // A clip whose sheet apex (13) has no frame file.
            Path missing = Files.createDirectories(root.resolve(String.format("sub%02d/EP10_m", s)));
            write(texture.frame(SIZE, SIZE), missing.resolve("img10.jpg"));
            write(texture.frame(SIZE, SIZE), missing.resolve("img14.jpg"));
            sheet.append(String.format("%02d,EP10_m,10,13,16,AU,happiness%n", s));
        }
        Path csv = root.resolve("casme2.csv");
        Files.writeString(csv, sheet, StandardCharsets.UTF_8);
        return csv;
    }

    /** The texture after emotion {@code e}'s motion at fraction {@code t} of amplitude {@code amp} (pixels). */
    private static GreyFrame moved(SyntheticFrames texture, int e, double amp, double t) {
        double a = amp * t;
        // Two symmetric Gaussian bumps of motion (σ 7 px), each pixel's source is itself minus the motion there.
        double y0 = e == 0 ? 46 : 18;
        double[] dxs = switch (e) {
            case 0 -> new double[] {-1, 1};          // mouth corners out…
            case 1 -> new double[] {0.8, -0.8};      // brows together…
            default -> new double[] {0, 0};
        };
        double dy = switch (e) {
            case 0 -> -0.8;                          // …and up
            case 1 -> 0.8;                           // …and down
            default -> -1.2;                         // brows up
        };
        return texture.warped(SIZE, SIZE, (x, y) -> x - a * bump(x, y, y0, dxs), (x, y) -> y - a * bumpY(x, y, y0, dy));
    }

    private static double bump(double x, double y, double y0, double[] dxs) {
        return dxs[0] * g(x - 20, y - y0) + dxs[1] * g(x - 44, y - y0);
    }

    private static double bumpY(double x, double y, double y0, double dy) {
        return dy * (g(x - 20, y - y0) + g(x - 44, y - y0));
    }

    private static double g(double dx, double dy) {
        return Math.exp(-(dx * dx + dy * dy) / (2 * 49));
    }

    private static void write(GreyFrame f, Path file) throws IOException {
        BufferedImage image = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, f.width(), f.height(), f.pixels());
        if (!ImageIO.write(image, "jpg", file.toFile())) {
            throw new IllegalStateException("no JPEG writer");
        }
    }
}
