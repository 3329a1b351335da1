package ai.merba.data;

/**
 * How a flow file's numbers relate to motion (spec §5, "Flow encoding"), which decides where "no motion" is.
 */
public enum FlowEncoding {
    /**
     * PNG/JPEG flow images, each channel min-max normalised to [0, 1] by its own minimum and maximum: zero motion
     * lies wherever that image put it, a level estimated per image and channel ({@link ZeroLevels#median}).
     */
    MIN_MAX("min_max"),
    /** Signed flow values ({@code .npy}, as {@code merba prepare} writes them): zero motion is 0. */
    SIGNED("signed");

    private final String token;

    FlowEncoding(String token) {
        this.token = token;
    }

    /** The JSON spelling. */
    public String token() {
        return token;
    }
}
