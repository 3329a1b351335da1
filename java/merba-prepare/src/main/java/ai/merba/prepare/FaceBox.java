package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * A face box in frame pixels: top-left corner and size. Both frames of a sample are cropped to the same box,
 * so the flow sees the face's motion and not a change of framing.
 */
public record FaceBox(int x, int y, int width, int height) {
    public FaceBox {
        checkArgument(x >= 0 && y >= 0, "face box corner (%s, %s) must not be negative", x, y);
        checkArgument(width >= 2 && height >= 2, "face box %s×%s must be at least 2×2", width, height);
    }

    /**
     * This box grown by {@code margin} of its size on every side and clipped to a frame of the given size.
     *
     * @throws IllegalArgumentException if the box does not lie inside the frame before growing
     */
    public FaceBox expandedWithin(double margin, int frameWidth, int frameHeight) {
        requireInside(frameWidth, frameHeight);
        int dx = (int) Math.round(width * margin);
        int dy = (int) Math.round(height * margin);
        int x0 = Math.max(0, x - dx);
        int y0 = Math.max(0, y - dy);
        int x1 = Math.min(frameWidth, x + width + dx);
        int y1 = Math.min(frameHeight, y + height + dy);
        return new FaceBox(x0, y0, x1 - x0, y1 - y0);
    }

    /** @throws IllegalArgumentException if the box reaches outside a frame of the given size */
    public void requireInside(int frameWidth, int frameHeight) {
        checkArgument((long) x + width <= frameWidth && (long) y + height <= frameHeight,
                "face box %s reaches outside the %s×%s frame", this, frameWidth, frameHeight);
    }

    @Override
    public String toString() {
        return "(x " + x + ", y " + y + ", " + width + "×" + height + ")";
    }
}
