package ai.merba.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A scan order of the asymmetric multi-scanning over a ws×ws window. Each order in
 * {@link ModelConfig#scans()} gets its own mixer, numbered by its position there, so the order of the list
 * matters to checkpoints. In JSON an order is its {@link #token() token}.
 */
public enum ScanOrder {
    /** Row-major: the identity order. */
    H_PLUS("h+"),
    /** Row-major, reversed. */
    H_MINUS("h-"),
    /** Column-major: top to bottom, columns left to right. */
    V_PLUS("v+"),
    /** Column-major, reversed. */
    V_MINUS("v-");

    private final String token;

    ScanOrder(String token) {
        this.token = token;
    }

    /** The JSON token: {@code h+}, {@code h-}, {@code v+} or {@code v-}. */
    @JsonValue
    public String token() {
        return token;
    }

    /**
     * The order written as {@code token}.
     *
     * @throws IllegalArgumentException if {@code token} names no order; the message lists the known tokens
     */
    @JsonCreator
    public static ScanOrder fromToken(String token) {
        return find(token).orElseThrow(() -> new IllegalArgumentException(
                "unknown scan order '" + token + "'; known: " + knownTokens()));
    }

    static Optional<ScanOrder> find(String token) {
        return Arrays.stream(values()).filter(o -> o.token.equals(token)).findFirst();
    }

    static String knownTokens() {
        return Arrays.stream(values()).map(ScanOrder::token).collect(Collectors.joining(", "));
    }
}
