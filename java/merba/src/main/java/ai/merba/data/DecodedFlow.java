package ai.merba.data;

import ai.merba.model.InputCentring;
import java.util.Objects;

/**
 * A flow file's content: its values (C, H, W) as stored, how they encode motion, and the zero-motion level of
 * each channel (0 for signed flows; the per-image median for min-max images).
 *
 * <p>The arrays are shared, not copied: read them, never modify them.
 *
 * @param values channel-major (C, H, W), index {@code (c·H + y)·W + x}
 * @param encoding how the values relate to motion
 * @param zeroLevel the value meaning "no motion", per channel
 */
public record DecodedFlow(float[] values, FlowEncoding encoding, float[] zeroLevel) {
    public DecodedFlow {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(zeroLevel, "zeroLevel");
        if (zeroLevel.length == 0 || values.length % zeroLevel.length != 0) {
            throw new IllegalArgumentException(values.length + " values do not split into " + zeroLevel.length
                    + " channels");
        }
    }

    /** Values of {@code encoding} with zero levels estimated as that encoding requires. */
    public static DecodedFlow of(float[] values, int channels, FlowEncoding encoding) {
        float[] zero = encoding == FlowEncoding.SIGNED ? new float[channels] : ZeroLevels.median(values, channels);
        return new DecodedFlow(values, encoding, zero);
    }

    /** The number of channels C. */
    public int channels() {
        return zeroLevel.length;
    }

    /** The signed flow {@code x − zero} per channel: "no motion" becomes 0 whatever the encoding. */
    public float[] centred() {
        int plane = values.length / zeroLevel.length;
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] - zeroLevel[i / plane];
        }
        return out;
    }

    /**
     * {@link #centred()} with each channel divided by its mean absolute value (its mean absolute deviation about
     * the zero level); a channel that is 0 throughout stays 0.
     */
    public float[] scaled() {
        float[] out = centred();
        int plane = out.length / zeroLevel.length;
        for (int c = 0; c < zeroLevel.length; c++) {
            double sum = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                sum += Math.abs(out[i]);
            }
            if (sum > 0) {
                // In double: |x| ≤ sum, so x / mean ≤ plane whatever the flow's units (a float reciprocal of a
                // tiny mean could overflow to infinity and make the still pixels NaN).
                double mean = sum / plane;
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    out[i] = (float) (out[i] / mean);
                }
            }
        }
        return out;
    }

    /** The network's input for this flow under {@code centring}: the values, {@link #centred()} or {@link #scaled()}. */
    public float[] input(InputCentring centring) {
        return switch (centring) {
            case NONE -> values;
            case ZERO_LEVEL -> centred();
            case ZERO_LEVEL_SCALED -> scaled();
        };
    }

    /** Where "no motion" lies in {@link #input}'s values, per channel: 0 everywhere once centred. */
    public float[] inputZeroLevel(InputCentring centring) {
        return centring.centred() ? new float[channels()] : zeroLevel;
    }
}
