package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * An 8-bit grey image, row-major, one byte per pixel (0–255, read unsigned). Java-side, so frames can be made
 * and inspected without native memory; the estimator copies them into OpenCV for the duration of a call.
 */
public record GreyFrame(int width, int height, byte[] pixels) {
    public GreyFrame {
        checkArgument(width >= 1 && height >= 1, "frame size %s×%s must be positive", width, height);
        checkArgument(pixels != null && pixels.length == (long) width * height,
                "a %s×%s frame needs %s pixels, got %s", width, height, (long) width * height,
                pixels == null ? "null" : pixels.length);
    }

    /** The grey level at (x, y), 0–255. */
    public int at(int x, int y) {
        return pixels[y * width + x] & 0xff;
    }

    /** The pixels inside {@code box}, which must lie inside this frame. */
    public GreyFrame crop(FaceBox box) {
        box.requireInside(width, height);
        byte[] out = new byte[box.width() * box.height()];
        for (int r = 0; r < box.height(); r++) {
            System.arraycopy(pixels, (box.y() + r) * width + box.x(), out, r * box.width(), box.width());
        }
        return new GreyFrame(box.width(), box.height(), out);
    }
}
