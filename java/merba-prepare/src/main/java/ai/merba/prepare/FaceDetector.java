package ai.merba.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * Finds the face in a frame with OpenCV's frontal-face Haar cascade ({@code haarcascade_frontalface_default.xml},
 * shipped inside the {@code org.bytedeco:opencv} platform jar, so nothing is downloaded). MER databases film
 * one frontal face under studio light, where this detector is reliable. Owns a native classifier: close it;
 * not thread-safe.
 */
public final class FaceDetector implements AutoCloseable {
    static final String CASCADE = "haarcascade_frontalface_default.xml";
    private final CascadeClassifier classifier;

    /** @throws IllegalStateException if the cascade is missing from the OpenCV jar or does not load */
    public FaceDetector() {
        String resource = "/org/bytedeco/opencv/" + Loader.getPlatform() + "/share/opencv4/haarcascades/" + CASCADE;
        Path file = null;
        try (InputStream in = FaceDetector.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the face detector " + resource + " is not on the class path; it"
                        + " comes with org.bytedeco:opencv's " + Loader.getPlatform() + " jar");
            }
            // OpenCV loads cascades from files only: copy it out for the load, then remove the copy.
            file = Files.createTempFile("merba-", "-" + CASCADE);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            CascadeClassifier c = new CascadeClassifier();
            if (!c.load(file.toString()) || c.empty()) {
                c.close();
                throw new IllegalStateException("OpenCV could not load the face detector " + resource);
            }
            classifier = c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the face detector " + resource, e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    /**
     * The largest face in {@code frame}, at least a fifth of the frame's shorter side, or empty if none.
     * Parameters are the cascade's usual ones (scale step 1.1, 5 neighbours).
     */
    public Optional<FaceBox> detect(GreyFrame frame) {
        try (PointerScope scope = new PointerScope()) {
            Mat mat = Frames.toMat(frame);
            RectVector faces = new RectVector();
            int min = Math.max(24, Math.min(frame.width(), frame.height()) / 5);
            classifier.detectMultiScale(mat, faces, 1.1, 5, 0, new Size(min, min), new Size());
            FaceBox best = null;
            for (long i = 0; i < faces.size(); i++) {
                Rect r = faces.get(i);
                if (best == null || (long) r.width() * r.height() > (long) best.width() * best.height()) {
                    best = new FaceBox(r.x(), r.y(), r.width(), r.height());
                }
            }
            return Optional.ofNullable(best);
        }
    }

    @Override
    public void close() {
        classifier.close();
    }
}
