package ai.merba.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The classification head: how the Dual-Granularity Classification Module turns features into a fine
 * class. It decides which head layers exist (see {@link LabelScheme#hasFineHead(DgcmMode)} and
 * {@link LabelScheme#hasCoarseHead(DgcmMode)}), so it is part of the model config, not an inference option.
 */
public enum DgcmMode {
    /** Pick the coarse group first, then the best fine class inside it (the default). */
    HARD("hard"),
    /** P(fine) = P(its coarse group) · P(fine within the group); argmax over all fine classes. */
    SOFT("soft"),
    /** No coarse head: one fine head over all classes (the ablation baseline). */
    FLAT("flat");

    private final String token;

    DgcmMode(String token) {
        this.token = token;
    }

    /** The JSON token: {@code hard}, {@code soft} or {@code flat}. */
    @JsonValue
    public String token() {
        return token;
    }

    /**
     * The mode written as {@code token}.
     *
     * @throws IllegalArgumentException if {@code token} names no mode; the message lists the known tokens
     */
    @JsonCreator
    public static DgcmMode fromToken(String token) {
        return find(token).orElseThrow(() -> new IllegalArgumentException(
                "unknown dgcm mode '" + token + "'; known: " + knownTokens()));
    }

    static Optional<DgcmMode> find(String token) {
        return Arrays.stream(values()).filter(m -> m.token.equals(token)).findFirst();
    }

    static String knownTokens() {
        return Arrays.stream(values()).map(DgcmMode::token).collect(Collectors.joining(", "));
    }
}
