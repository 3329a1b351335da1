package ai.merba.data;

import java.util.Arrays;

/** Estimates of the value that means "no motion" in each channel of a flow. */
public final class ZeroLevels {
    private ZeroLevels() {}

    /**
     * The median of each channel of {@code values} (C, H, W): most of a face does not move between onset and apex,
     * so the middle value of a channel is its zero-motion level (spec §5). For an even count, the lower of the two
     * middle values, so that the level is a value the image holds (exactly zero after centring a still region).
     */
    public static float[] median(float[] values, int channels) {
        if (channels < 1 || values.length % channels != 0 || values.length == 0) {
            throw new IllegalArgumentException(values.length + " values do not split into " + channels + " channels");
        }
        int plane = values.length / channels;
        float[] levels = new float[channels];
        float[] sorted = new float[plane];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(values, c * plane, sorted, 0, plane);
            Arrays.sort(sorted);
            levels[c] = sorted[(plane - 1) / 2];
        }
        return levels;
    }
}
