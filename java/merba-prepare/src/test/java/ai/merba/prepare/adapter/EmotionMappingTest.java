package ai.merba.prepare.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import ai.merba.model.LabelScheme;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Emotion names as the databases write them, mapped into each built-in scheme ("-" = no class, reported). */
class EmotionMappingTest {
    @ParameterizedTest(name = "{0} → megc-3 {1}, casme2-5 {2}, samm-5 {3}, casme3-7 {4}")
    @CsvSource({
            // emotion,     megc-3,   casme2-5,   samm-5,    casme3-7
            "happiness,     positive, happiness,  happiness, happy",
            "Happiness,     positive, happiness,  happiness, happy",
            "happy,         positive, happiness,  happiness, happy",
            "surprise,      surprise, surprise,   surprise,  surprise",
            "Surprise,      surprise, surprise,   surprise,  surprise",
            "disgust,       negative, disgust,    -,         disgust",
            "repression,    negative, repression, -,         -",
            "Anger,         negative, -,          anger,     anger",
            "Contempt,      negative, -,          contempt,  -",
            "fear,          negative, -,          -,         fear",
            "sadness,       negative, -,          -,         sad",
            "sad,           negative, -,          -,         sad",
            "others,        -,        others,     other,     others",
            "Other,         -,        others,     other,     others",
            "negative,      negative, -,          -,         -",
            "positive,      positive, -,          -,         -",
            "ne,            negative, -,          -,         -",
            "sur,           surprise, surprise,   surprise,  surprise",
            "' Estimated ', -,        -,          -,         -",
            "joy,           -,        -,          -,         -",
    })
    void mapsEachDatabaseSpellingIntoEachScheme(String emotion, String megc3, String casme2, String samm,
            String casme3) {
        check("megc-3", emotion, megc3);
        check("casme2-5", emotion, casme2);
        check("samm-5", emotion, samm);
        check("casme3-7", emotion, casme3);
    }

    private static void check(String scheme, String emotion, String expected) {
        EmotionMapping mapping = EmotionMapping.forScheme(LabelScheme.builtIn(scheme));
        if (expected.equals("-")) {
            assertThat(mapping.classOf(emotion)).as(scheme + " " + emotion).isEmpty();
        } else {
            assertThat(mapping.classOf(emotion)).as(scheme + " " + emotion).contains(expected);
            // Every class it names is one the scheme (and so the manifest loader) knows.
            assertThat(LabelScheme.builtIn(scheme).fineIndexOf(expected)).isNotNegative();
        }
    }
}
