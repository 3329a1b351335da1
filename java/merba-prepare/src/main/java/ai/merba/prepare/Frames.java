package ai.merba.prepare;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Frame reading and resampling through OpenCV, and copies between Java arrays and {@link Mat}s. Every native
 * object is made inside a {@link PointerScope} and released when the call returns.
 */
public final class Frames {
    private Frames() {}

    /**
     * Reads an image file as 8-bit grey (any format OpenCV's imgcodecs reads: JPEG, PNG, BMP, TIFF, …; OpenCV
     * converts colour to grey while decoding).
     *
     * @throws IllegalArgumentException naming the file if it is missing or cannot be decoded
     */
    public static GreyFrame readGrey(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": frame does not exist");
        }
        try (PointerScope scope = new PointerScope()) {
            Mat mat = opencv_imgcodecs.imread(file.toString(), opencv_imgcodecs.IMREAD_GRAYSCALE);
            if (mat == null || mat.empty()) {
                throw new IllegalArgumentException(file + ": cannot decode the frame as an image");
            }
            return toGrey(mat);
        }
    }

    /** {@code frame} resized to {@code size}×{@code size} with area averaging (OpenCV's choice for shrinking). */
    public static GreyFrame resize(GreyFrame frame, int size) {
        if (frame.width() == size && frame.height() == size) {
            return frame;
        }
        try (PointerScope scope = new PointerScope()) {
            Mat out = new Mat();
            opencv_imgproc.resize(toMat(frame), out, new Size(size, size), 0, 0, interpolation(frame.width(),
                    frame.height(), size));
            return toGrey(out);
        }
    }

    /** A row-major float plane of {@code width}×{@code height} resized to {@code size}×{@code size}. */
    public static float[] resize(float[] plane, int width, int height, int size) {
        if (width == size && height == size) {
            return plane.clone();
        }
        try (PointerScope scope = new PointerScope()) {
            Mat in = new Mat(height, width, CV_32FC1);
            new FloatPointer(in.data()).put(plane);
            Mat out = new Mat();
            opencv_imgproc.resize(in, out, new Size(size, size), 0, 0, interpolation(width, height, size));
            float[] result = new float[size * size];
            new FloatPointer(out.data()).get(result);
            return result;
        }
    }

    /** Area averaging to shrink (no aliasing), bilinear to enlarge. */
    private static int interpolation(int width, int height, int size) {
        return size <= width && size <= height ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LINEAR;
    }

    /** A new CV_8UC1 Mat holding {@code frame}'s pixels (owned by the caller or the enclosing scope). */
    static Mat toMat(GreyFrame frame) {
        Mat mat = new Mat(frame.height(), frame.width(), CV_8UC1);
        mat.data().put(frame.pixels());
        return mat;
    }

    static GreyFrame toGrey(Mat mat) {
        if (mat.type() != CV_8UC1) {
            throw new IllegalStateException("expected an 8-bit grey image, got OpenCV type " + mat.type());
        }
        Mat continuous = mat.isContinuous() ? mat : mat.clone();
        byte[] pixels = new byte[continuous.rows() * continuous.cols()];
        BytePointer data = continuous.data();
        data.get(pixels);
        return new GreyFrame(continuous.cols(), continuous.rows(), pixels);
    }
}
