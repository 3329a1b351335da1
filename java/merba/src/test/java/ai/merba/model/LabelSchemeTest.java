package ai.merba.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.model.LabelScheme.FineClass;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LabelSchemeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The doc's example. */
    private static final String DOC_EXAMPLE = """
            {
              "name": "casme2-5",
              "classes": [
                {"name": "happiness",  "group": "positive", "display_name": "Happiness"},
                {"name": "disgust",    "group": "negative"},
                {"name": "repression", "group": "negative"},
                {"name": "surprise",   "group": "surprise"},
                {"name": "others",     "group": "others"}
              ]
            }
            """;

    // ---- built-ins ----

    @Test
    void builtInNames() {
        assertThat(LabelScheme.builtInNames()).containsExactly("megc-3", "casme2-5", "samm-5", "casme3-7");
    }

    @Test
    void megc3() {
        LabelScheme s = LabelScheme.builtIn("megc-3");
        assertThat(s.name()).isEqualTo("megc-3");
        assertThat(s.classes()).extracting(FineClass::name).containsExactly("negative", "positive", "surprise");
        assertThat(s.coarseGroups()).containsExactly("negative", "positive", "surprise");
        assertThat(s.numFine()).isEqualTo(3);
        assertThat(s.numCoarse()).isEqualTo(3);
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 2);
        assertThat(s.hasFineHead(DgcmMode.HARD)).isFalse();
        assertThat(s.hasFineHead(DgcmMode.SOFT)).isFalse();
        assertThat(s.hasFineHead(DgcmMode.FLAT)).isTrue();
        assertThat(s.hasCoarseHead(DgcmMode.HARD)).isTrue();
        assertThat(s.hasCoarseHead(DgcmMode.FLAT)).isFalse();
    }

    @Test
    void casme2_5() {
        LabelScheme s = LabelScheme.builtIn("casme2-5");
        assertThat(s.classes()).extracting(FineClass::name)
                .containsExactly("happiness", "disgust", "repression", "surprise", "others");
        assertThat(s.classes()).extracting(FineClass::group)
                .containsExactly("positive", "negative", "negative", "surprise", "others");
        assertThat(s.coarseGroups()).containsExactly("positive", "negative", "surprise", "others");
        assertThat(s.numFine()).isEqualTo(5);
        assertThat(s.numCoarse()).isEqualTo(4);
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 1, 2, 3);
        assertThat(s.hasFineHead(DgcmMode.HARD)).isTrue();
        assertThat(s.hasFineHead(DgcmMode.SOFT)).isTrue();
        assertThat(s.hasFineHead(DgcmMode.FLAT)).isTrue();
        assertThat(s.hasCoarseHead(DgcmMode.SOFT)).isTrue();
        assertThat(s.hasCoarseHead(DgcmMode.FLAT)).isFalse();
        assertThat(s.coarseIndexOf("negative")).isEqualTo(1);
        assertThat(s.coarseIndexOf("anger")).isEqualTo(-1);
        assertThat(s.fineIndexOf("repression")).isEqualTo(2);
        assertThat(s.fineIndexOf("negative")).isEqualTo(-1);
    }

    @Test
    void samm5() {
        LabelScheme s = LabelScheme.builtIn("samm-5");
        assertThat(s.classes()).extracting(FineClass::name)
                .containsExactly("happiness", "anger", "contempt", "surprise", "other");
        assertThat(s.coarseGroups()).containsExactly("positive", "negative", "surprise", "other");
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 1, 2, 3);
        assertThat(s.hasFineHead(DgcmMode.HARD)).isTrue();
    }

    @Test
    void casme3_7() {
        LabelScheme s = LabelScheme.builtIn("casme3-7");
        assertThat(s.classes()).extracting(FineClass::name)
                .containsExactly("happy", "anger", "disgust", "fear", "sad", "surprise", "others");
        assertThat(s.coarseGroups()).containsExactly("positive", "negative", "surprise", "others");
        assertThat(s.numFine()).isEqualTo(7);
        assertThat(s.numCoarse()).isEqualTo(4);
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 1, 1, 1, 2, 3);
        assertThat(s.hasFineHead(DgcmMode.HARD)).isTrue();
    }

    @Test
    void builtInsDisplayTheirNames() {
        for (String name : LabelScheme.builtInNames()) {
            for (FineClass c : LabelScheme.builtIn(name).classes()) {
                assertThat(c.displayName()).isEqualTo(c.name());
            }
        }
    }

    @Test
    void unknownBuiltInListsTheKnownOnes() {
        assertThatThrownBy(() -> LabelScheme.builtIn("smic-3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smic-3")
                .hasMessageContaining("megc-3, casme2-5, samm-5, casme3-7");
        assertThatThrownBy(() -> LabelScheme.builtIn(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fineToCoarseIsACopy() {
        LabelScheme s = LabelScheme.builtIn("casme2-5");
        s.fineToCoarse()[0] = 9;
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 1, 2, 3);
        assertThatThrownBy(() -> s.classes().add(new FineClass("x", "y")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.coarseGroups().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- JSON ----

    @Test
    void docExampleReads() {
        LabelScheme s = LabelScheme.fromJson(DOC_EXAMPLE);
        assertThat(s.name()).isEqualTo("casme2-5");
        assertThat(s.classes().get(0)).isEqualTo(new FineClass("happiness", "positive", "Happiness"));
        assertThat(s.classes().get(1).displayName()).isEqualTo("disgust");
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 1, 2, 3);
        // Same classes as the built-in, apart from one display name.
        assertThat(s).isNotEqualTo(LabelScheme.builtIn("casme2-5"));
        assertThat(s.classes()).extracting(FineClass::name)
                .containsExactlyElementsOf(
                        LabelScheme.builtIn("casme2-5").classes().stream().map(FineClass::name).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"megc-3", "casme2-5", "samm-5", "casme3-7"})
    void builtInsRoundTrip(String name) {
        LabelScheme s = LabelScheme.builtIn(name);
        assertThat(LabelScheme.fromJson(s.toJson())).isEqualTo(s).hasSameHashCodeAs(s);
    }

    @Test
    void customSchemeRoundTrips(@TempDir Path dir) throws IOException {
        LabelScheme s = LabelScheme.builder("valence-4")
                .addClass("joy", "pleasant", "Joy")
                .addClass("calm", "pleasant")
                .addClass("fear", "unpleasant", "Fear / anxiety")
                .addClass(new FineClass("anger", "unpleasant"))
                .build();
        assertThat(s.coarseGroups()).containsExactly("pleasant", "unpleasant");
        assertThat(s.fineToCoarse()).containsExactly(0, 0, 1, 1);

        String json = s.toJson();
        assertThat(LabelScheme.fromJson(json)).isEqualTo(s);
        JsonNode node = JSON.readTree(json);
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("name", "classes");
        assertThat(node.get("classes").get(0).get("display_name").asText()).isEqualTo("Joy");
        assertThat(node.get("classes").get(1).has("display_name")).isFalse();

        Path file = dir.resolve("labels.json");
        Files.writeString(file, json);
        assertThat(LabelScheme.fromJson(file)).isEqualTo(s);
    }

    @Test
    void interleavedGroupsAreNumberedByFirstAppearance() {
        LabelScheme s = LabelScheme.of("mixed", List.of(
                new FineClass("a", "g2"), new FineClass("b", "g1"), new FineClass("c", "g2"),
                new FineClass("d", "g3"), new FineClass("e", "g1")));
        assertThat(s.coarseGroups()).containsExactly("g2", "g1", "g3");
        assertThat(s.fineToCoarse()).containsExactly(0, 1, 0, 2, 1);
        assertThat(s.coarseIndexOf("g3")).isEqualTo(2);
    }

    @Test
    void nullDisplayNameMeansTheName() {
        LabelScheme s = LabelScheme.fromJson(
                "{\"name\": \"x\", \"classes\": [{\"name\": \"a\", \"group\": \"g\", \"display_name\": null},"
                        + " {\"name\": \"b\", \"group\": \"g\"}]}");
        assertThat(s.classes().get(0).displayName()).isEqualTo("a");
        assertThat(s.hasFineHead(DgcmMode.HARD)).isTrue();
        assertThat(s.numCoarse()).isEqualTo(1);
    }

    static Stream<Arguments> invalidJson() {
        String two = "{\"name\": \"b\", \"group\": \"g\"}";
        return Stream.of(
                Arguments.of("{\"classes\": [" + two + ", " + two.replace("\"b\"", "\"c\"") + "]}",
                        "name is missing"),
                Arguments.of("{\"name\": \"x\"}", "classes is missing"),
                Arguments.of("{\"name\": \"\", \"classes\": []}", "name must not be empty"),
                Arguments.of("{\"name\": 3, \"classes\": []}", "name must be a string"),
                Arguments.of("{\"name\": \"x\", \"classes\": {}}", "classes must be an array"),
                Arguments.of("{\"name\": \"x\", \"classes\": []}", "classes has 0 entries"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + "]}",
                        "classes has 1 entry; a label scheme needs at least two"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", " + two + "]}",
                        "classes[1].name = 'b' repeats classes[0]"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", {\"name\": \"\", \"group\": \"g\"}]}",
                        "classes[1].name must not be empty"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", {\"name\": \"c\", \"group\": \"\"}]}",
                        "classes[1].group must not be empty"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", {\"name\": \"c\"}]}",
                        "classes[1].group is missing"),
                Arguments.of("{\"name\": \"x\", \"classes\": [{\"group\": \"g\"}, " + two + "]}",
                        "classes[0].name is missing"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", {\"name\": 7, \"group\": \"g\"}]}",
                        "classes[1].name must be a string"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", \"c\"]}",
                        "classes[1] must be an object"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two
                                + ", {\"name\": \"c\", \"group\": \"g\", \"displayName\": \"C\"}]}",
                        "classes[1]: unknown key 'displayName'"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + "], \"groups\": []}",
                        "unknown key 'groups'"),
                Arguments.of("{\"name\": \"x\", \"classes\": [" + two + ", {\"name\": \"c\", \"group\": \"g\","
                        + " \"display_name\": 1}]}", "classes[1].display_name must be a string"),
                Arguments.of("{\"name\": \"x\", ", "malformed label scheme JSON"),
                Arguments.of("\"megc-3\"", "label scheme JSON must be an object"));
    }

    @ParameterizedTest
    @MethodSource("invalidJson")
    void invalidJsonIsRejectedNamingTheField(String json, String message) {
        assertThatThrownBy(() -> LabelScheme.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void invalidBuiltSchemesAreRejectedToo() {
        assertThatThrownBy(() -> LabelScheme.builder("x").addClass("a", "g").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes has 1 entry");
        assertThatThrownBy(() -> LabelScheme.builder(null).addClass("a", "g").addClass("b", "g").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must not be empty");
        assertThatThrownBy(() -> LabelScheme.builder("x").addClass("a", "g").addClass(null, "g").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes[1].name must not be empty");
        assertThatThrownBy(() -> LabelScheme.builder("x").addClass("a", "g").addClass("b", null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes[1].group must not be empty");
        assertThatThrownBy(() -> LabelScheme.of("x", Arrays.asList(new FineClass("a", "g"), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes[1] must not be null");
        assertThatThrownBy(() -> LabelScheme.of("x", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classes must not be null");
    }

    // ---- manifest labels ----

    @Test
    void resolveLabelByNameAndByIndex() {
        LabelScheme s = LabelScheme.builtIn("casme2-5");
        assertThat(s.resolveLabel("happiness")).isEqualTo(0);
        assertThat(s.resolveLabel("repression")).isEqualTo(2);
        assertThat(s.resolveLabel("others")).isEqualTo(4);
        assertThat(s.resolveLabel("0")).isEqualTo(0);
        assertThat(s.resolveLabel("3")).isEqualTo(3);
        assertThat(s.resolveLabel("04")).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anger", "Happiness", "5", "-1", "+1", "1.0", "", " 1", "99999999999999999999"})
    void resolveLabelFailureNamesTheTokenAndTheValidLabels(String token) {
        LabelScheme s = LabelScheme.builtIn("megc-3");
        assertThatThrownBy(() -> s.resolveLabel(token))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + token + "'")
                .hasMessageContaining("negative (0), positive (1), surprise (2)");
    }

    @Test
    void resolveLabelRejectsNull() {
        assertThatThrownBy(() -> LabelScheme.builtIn("megc-3").resolveLabel(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'null'");
    }

    @Test
    void aNameWinsOverAnIndex() {
        LabelScheme s = LabelScheme.builder("digits").addClass("1", "a").addClass("0", "b").build();
        assertThat(s.resolveLabel("1")).isEqualTo(0);
        assertThat(s.resolveLabel("0")).isEqualTo(1);
    }

    @Test
    void toStringShowsTheClasses() {
        assertThat(LabelScheme.builtIn("megc-3").toString())
                .isEqualTo("LabelScheme[megc-3: negative->negative, positive->positive, surprise->surprise]");
    }
}
