package ai.merba.prepare.adapter;

import ai.merba.model.LabelScheme;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * From the emotion a sheet writes to a class of a label scheme. Spellings are first made one: case, spaces,
 * {@code happy}/{@code happiness}, {@code sad}/{@code sadness}, {@code other}/{@code others}, SMIC's folder
 * abbreviations {@code ne}/{@code po}/{@code sur}. Then:
 *
 * <ul>
 *   <li>{@code megc-3}, the MEGC 2019 composite task: negative = repression, anger, contempt, disgust, fear,
 *       sadness (and SMIC's negative); positive = happiness (and SMIC's positive); surprise = surprise. "Others"
 *       has no class — MEGC 2019 leaves those samples out — so such rows are reported.</li>
 *   <li>any other scheme ({@code casme2-5}, {@code samm-5}, {@code casme3-7}, a JSON scheme): an emotion maps to the
 *       class of the same (unified) name. So CASME II's fear and sadness and SAMM's disgust, fear and sadness,
 *       which the 5-class schemes leave out as the literature does, are reported, not folded into others.</li>
 * </ul>
 */
public final class EmotionMapping {
    private static final Map<String, String> SPELLINGS = Map.of("happy", "happiness", "sad", "sadness", "other",
            "others", "ne", "negative", "po", "positive", "sur", "surprise", "angry", "anger");
    private static final Map<String, String> COMPOSITE = composite();

    private final LabelScheme scheme;
    private final Map<String, String> classes = new LinkedHashMap<>();

    private EmotionMapping(LabelScheme scheme) {
        this.scheme = scheme;
        for (LabelScheme.FineClass c : scheme.classes()) {
            classes.putIfAbsent(unify(c.name()), c.name());
        }
        if (scheme.name().equals("megc-3")) {
            classes.putAll(COMPOSITE);
        }
    }

    /** The mapping into {@code scheme}. */
    public static EmotionMapping forScheme(LabelScheme scheme) {
        return new EmotionMapping(scheme);
    }

    public LabelScheme scheme() {
        return scheme;
    }

    /** The class name for a sheet's emotion, or empty if the scheme has no class for it. */
    public Optional<String> classOf(String emotion) {
        return emotion == null ? Optional.empty() : Optional.ofNullable(classes.get(unify(emotion)));
    }

    /** The one spelling of an emotion: lower case, single spaces, synonyms merged. */
    static String unify(String emotion) {
        String s = emotion.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s_]+", " ");
        return SPELLINGS.getOrDefault(s, s);
    }

    private static Map<String, String> composite() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : new String[] {"repression", "anger", "contempt", "disgust", "fear", "sadness", "negative"}) {
            m.put(e, "negative");
        }
        m.put("happiness", "positive");
        m.put("positive", "positive");
        m.put("surprise", "surprise");
        return Map.copyOf(m);
    }
}
