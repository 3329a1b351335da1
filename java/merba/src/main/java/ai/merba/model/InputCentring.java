package ai.merba.model;

import java.util.Locale;

/**
 * What the network is given for a decoded flow (spec §5): the values as stored, or the flow centred on its
 * zero-motion level (and optionally scaled per channel), so that the network's zero padding, the augmentation's
 * fills and mirrors all mean "no motion" and min-max images whose zero sits at different levels look alike. A
 * model remembers the centring it was trained with ({@link MerbaModel#inputCentring()}, checkpoint metadata
 * {@code input_centring}), and the {@link ai.merba.inference.Predictor} applies it to files
 * ({@code DecodedFlow.input}).
 */
public enum InputCentring {
    /** The values as stored (min-max images in [0, 1]; signed flows as they are). */
    NONE("none"),
    /** {@code x − zero level} per image and channel. */
    ZERO_LEVEL("zero_level"),
    /**
     * {@code (x − zero level) / s} per image and channel, where {@code s} is the channel's mean absolute deviation
     * about its zero level: every flow's motion on a common scale. Min-max images are scaled by their extremes, so
     * one fast pixel shrinks the rest of a face's motion (on the dev set the mean deviation varies about fourfold
     * between images); a channel with no motion at all stays 0.
     */
    ZERO_LEVEL_SCALED("zero_level_scaled");

    private final String token;

    InputCentring(String token) {
        this.token = token;
    }

    /** Whether "no motion" is 0 in the network's input, as the mirror and the padding need. */
    public boolean centred() {
        return this != NONE;
    }

    /** The JSON spelling. */
    public String token() {
        return token;
    }

    /** The constant spelled {@code token} (as {@link #token()} gives it, any case). */
    public static InputCentring fromToken(String token) {
        String t = token.toLowerCase(Locale.ROOT);
        for (InputCentring c : values()) {
            if (c.token.equals(t)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown input centring '" + token
                + "'; expected none, zero_level or zero_level_scaled");
    }
}
