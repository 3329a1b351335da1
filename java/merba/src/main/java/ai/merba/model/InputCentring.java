package ai.merba.model;

import java.util.Locale;

/**
 * What the network is given for a decoded flow (spec §5): the values as stored, or the flow centred on its
 * zero-motion level, so that the network's zero padding, the augmentation's fills and mirrors all mean "no
 * motion" and min-max images whose zero sits at different levels look alike. A model remembers the centring it
 * was trained with ({@link MerbaModel#inputCentring()}, checkpoint metadata {@code input_centring}), and the
 * {@link ai.merba.inference.Predictor} applies it to files ({@code DecodedFlow.input}).
 */
public enum InputCentring {
    /** The values as stored (min-max images in [0, 1]; signed flows as they are). */
    NONE("none"),
    /** {@code x − zero level} per image and channel. */
    ZERO_LEVEL("zero_level");

    private final String token;

    InputCentring(String token) {
        this.token = token;
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
        throw new IllegalArgumentException("unknown input centring '" + token + "'; expected none or zero_level");
    }
}
