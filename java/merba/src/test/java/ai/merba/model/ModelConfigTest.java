package ai.merba.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> DOC_KEYS = List.of("in_channels", "input_size", "stem_strides", "dims",
            "depths", "window_sizes", "heads", "scans", "inter_window_attention", "dgcm", "mlp_ratio", "d_state",
            "d_conv", "dropout", "drop_path", "head_grid");

    /** The doc's example, which is the composite-28 preset. */
    private static final String DOC_EXAMPLE = """
            {
              "in_channels": 3,
              "input_size": 28,
              "stem_strides": [1, 1],
              "dims": [32, 64, 128],
              "depths": [1, 1, 1],
              "window_sizes": [7, 7, 7],
              "heads": [1, 2, 4],
              "scans": ["h+", "v-"],
              "inter_window_attention": true,
              "dgcm": "hard",
              "mlp_ratio": 4.0,
              "d_state": 8,
              "d_conv": 3,
              "dropout": 0.0,
              "drop_path": 0.1
            }
            """;

    private static ModelConfig custom() {
        return ModelConfig.builder()
                .optInChannels(2)
                .optInputSize(30)
                .optStemStrides(1, 2)
                .optDims(16, 48)
                .optDepths(2, 3)
                .optWindowSizes(5, 4)
                .optHeads(4, 3)
                .optScans(ScanOrder.V_PLUS, ScanOrder.H_MINUS, ScanOrder.H_PLUS, ScanOrder.V_MINUS)
                .optInterWindowAttention(false)
                .optDgcm(DgcmMode.SOFT)
                .optMlpRatio(2.5)
                .optDState(16)
                .optDConv(5)
                .optDropout(0.25)
                .optDropPath(0.3)
                .optHeadGrid(4)
                .build();
    }

    // ---- presets ----

    @Test
    void composite28HasTheDocValues() {
        ModelConfig c = ModelConfig.preset("composite-28");
        assertThat(c.inChannels()).isEqualTo(3);
        assertThat(c.inputSize()).isEqualTo(28);
        assertThat(c.stemStrides()).containsExactly(1, 1);
        assertThat(c.dims()).containsExactly(32, 64, 128);
        assertThat(c.depths()).containsExactly(1, 1, 1);
        assertThat(c.windowSizes()).containsExactly(7, 7, 7);
        assertThat(c.heads()).containsExactly(1, 2, 4);
        assertSharedDefaults(c);
        assertThat(c.numStages()).isEqualTo(3);
    }

    @Test
    void paper224HasTheDocValues() {
        ModelConfig c = ModelConfig.preset("paper-224");
        assertThat(c.inChannels()).isEqualTo(3);
        assertThat(c.inputSize()).isEqualTo(224);
        assertThat(c.stemStrides()).containsExactly(2, 2);
        assertThat(c.dims()).containsExactly(64, 128, 256, 512);
        assertThat(c.depths()).containsExactly(1, 2, 4, 2);
        assertThat(c.windowSizes()).containsExactly(7, 7, 7, 7);
        assertThat(c.heads()).containsExactly(2, 4, 8, 16);
        assertSharedDefaults(c);
        assertThat(c.numStages()).isEqualTo(4);
    }

    private static void assertSharedDefaults(ModelConfig c) {
        assertThat(c.scans()).containsExactly(ScanOrder.H_PLUS, ScanOrder.V_MINUS);
        assertThat(c.interWindowAttention()).isTrue();
        assertThat(c.dgcm()).isEqualTo(DgcmMode.HARD);
        assertThat(c.mlpRatio()).isEqualTo(4.0);
        assertThat(c.dState()).isEqualTo(8);
        assertThat(c.dConv()).isEqualTo(3);
        assertThat(c.dropout()).isEqualTo(0.0);
        assertThat(c.dropPath()).isEqualTo(0.1);
    }

    @Test
    void builderDefaultsAreComposite28() {
        assertThat(ModelConfig.builder().build()).isEqualTo(ModelConfig.preset("composite-28"));
        assertThat(ModelConfig.presetNames()).containsExactly("composite-28", "paper-224");
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        assertThatThrownBy(() -> ModelConfig.preset("paper-112"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("paper-112")
                .hasMessageContaining("composite-28")
                .hasMessageContaining("paper-224");
        assertThatThrownBy(() -> ModelConfig.preset(null)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- stage sizes ----

    @ParameterizedTest
    @CsvSource({"0, 28, 28, 16", "1, 14, 14, 4", "2, 7, 7, 1"})
    void composite28StageSizes(int stage, int h, int padded, int windows) {
        ModelConfig c = ModelConfig.preset("composite-28");
        assertThat(c.stageResolution(stage)).isEqualTo(h);
        assertThat(c.paddedStageResolution(stage)).isEqualTo(padded);
        assertThat(c.numWindows(stage)).isEqualTo(windows);
    }

    @ParameterizedTest
    @CsvSource({"0, 56, 56, 64", "1, 28, 28, 16", "2, 14, 14, 4", "3, 7, 7, 1"})
    void paper224StageSizes(int stage, int h, int padded, int windows) {
        ModelConfig c = ModelConfig.preset("paper-224");
        assertThat(c.stageResolution(stage)).isEqualTo(h);
        assertThat(c.paddedStageResolution(stage)).isEqualTo(padded);
        assertThat(c.numWindows(stage)).isEqualTo(windows);
    }

    @ParameterizedTest
    @CsvSource({"0, 30, 35, 25", "1, 15, 21, 9", "2, 8, 14, 4"})
    void input30PadsEveryStage(int stage, int h, int padded, int windows) {
        ModelConfig c = ModelConfig.builder().optInputSize(30).build();
        assertThat(c.stageResolution(stage)).isEqualTo(h);
        assertThat(c.paddedStageResolution(stage)).isEqualTo(padded);
        assertThat(c.numWindows(stage)).isEqualTo(windows);
    }

    @Test
    void stemStridesRoundUp() {
        // ceil(ceil(225 / 2) / 2) = ceil(113 / 2) = 57; then 29, 15, 8.
        ModelConfig c = ModelConfig.preset("paper-224").toBuilder().optInputSize(225).build();
        assertThat(List.of(c.stageResolution(0), c.stageResolution(1), c.stageResolution(2), c.stageResolution(3)))
                .containsExactly(57, 29, 15, 8);
        assertThat(c.numWindows(0)).isEqualTo(81);
    }

    @Test
    void stageIndexOutOfRange() {
        ModelConfig c = ModelConfig.preset("composite-28");
        assertThatThrownBy(() -> c.stageResolution(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.numWindows(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ---- JSON ----

    @ParameterizedTest
    @ValueSource(strings = {"composite-28", "paper-224"})
    void presetsRoundTrip(String name) {
        ModelConfig c = ModelConfig.preset(name);
        ModelConfig back = ModelConfig.fromJson(c.toJson());
        assertThat(back).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(back.toJson()).isEqualTo(c.toJson());
    }

    @Test
    void customConfigRoundTrips() {
        ModelConfig c = custom();
        ModelConfig back = ModelConfig.fromJson(c.toJson());
        assertThat(back).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(back.scans()).containsExactly(ScanOrder.V_PLUS, ScanOrder.H_MINUS, ScanOrder.H_PLUS,
                ScanOrder.V_MINUS);
        assertThat(back).isNotEqualTo(ModelConfig.preset("composite-28"));
    }

    @Test
    void toJsonWritesExactlyTheDocKeysInOrder() throws IOException {
        JsonNode node = JSON.readTree(custom().toJson());
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactlyElementsOf(DOC_KEYS);
        assertThat(node.get("scans").toString()).isEqualTo("[\"v+\",\"h-\",\"h+\",\"v-\"]");
        assertThat(node.get("dgcm").asText()).isEqualTo("soft");
        assertThat(node.get("inter_window_attention").isBoolean()).isTrue();
        assertThat(node.get("stem_strides").toString()).isEqualTo("[1,2]");
        assertThat(node.get("mlp_ratio").doubleValue()).isEqualTo(2.5);
    }

    @Test
    void headGridDefaultsToGlobalPoolingLeftOutOfTheJsonAndIsBoundedByTheFinalMap() throws IOException {
        ModelConfig preset = ModelConfig.preset("composite-28");
        assertThat(preset.headGrid()).isEqualTo(1);
        assertThat(preset.headFeatures()).isEqualTo(128);
        assertThat(JSON.readTree(preset.toJson()).has("head_grid")).isFalse();

        ModelConfig grid = preset.toBuilder().optHeadGrid(7).build();
        assertThat(grid.headFeatures()).isEqualTo(128 * 49);
        assertThat(JSON.readTree(grid.toJson()).get("head_grid").intValue()).isEqualTo(7);
        assertThat(ModelConfig.fromJson(grid.toJson())).isEqualTo(grid).isNotEqualTo(preset);
        assertThat(JSON.readTree(grid.toNativeJson(LabelScheme.builtIn("megc-3"))).get("head_grid").intValue())
                .isEqualTo(7);

        // The final map of composite-28 is 7 × 7; of a 14-pixel input, ceil(7 / 2) = 4.
        assertThatThrownBy(() -> preset.toBuilder().optHeadGrid(8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("head_grid = 8 must be in 1..7");
        assertThatThrownBy(() -> preset.toBuilder().optInputSize(14).optHeadGrid(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("head_grid = 5 must be in 1..4");
        assertThat(preset.toBuilder().optInputSize(14).optHeadGrid(4).build().headGrid()).isEqualTo(4);
    }

    @Test
    void docExampleIsComposite28() {
        assertThat(ModelConfig.fromJson(DOC_EXAMPLE)).isEqualTo(ModelConfig.preset("composite-28"));
    }

    @Test
    void missingKeysTakeComposite28Defaults() {
        assertThat(ModelConfig.fromJson("{}")).isEqualTo(ModelConfig.preset("composite-28"));
        assertThat(ModelConfig.fromJson("{\"input_size\": 30, \"dgcm\": \"flat\", \"mlp_ratio\": 2}"))
                .isEqualTo(ModelConfig.builder().optInputSize(30).optDgcm(DgcmMode.FLAT).optMlpRatio(2).build());
        ModelConfig fourStages = ModelConfig.fromJson("""
                {"input_size": 224, "stem_strides": [2, 2], "dims": [64, 128, 256, 512],
                 "depths": [1, 2, 4, 2], "window_sizes": [7, 7, 7, 7], "heads": [2, 4, 8, 16]}
                """);
        assertThat(fourStages).isEqualTo(ModelConfig.preset("paper-224"));
    }

    @Test
    void unknownKeyIsRejected() {
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"dimz\": [32, 64, 128]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key 'dimz'");
    }

    @Test
    void readsAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, custom().toJson());
        assertThat(ModelConfig.fromJson(file)).isEqualTo(custom());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"heads\": [1, 3, 4]}");
        assertThatThrownBy(() -> ModelConfig.fromJson(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.json")
                .hasMessageContaining("heads[1] = 3 does not divide dims[1] = 64");
    }

    static Stream<Arguments> invalidJson() {
        return Stream.of(
                Arguments.of("{\"in_channels\": 0}", "in_channels = 0 must be in 1..16"),
                Arguments.of("{\"input_size\": -5}", "input_size = -5 must be in 1..1024"),
                Arguments.of("{\"stem_strides\": [1]}", "stem_strides must have 2 entries"),
                Arguments.of("{\"stem_strides\": [1, 1, 1]}", "stem_strides must have 2 entries"),
                Arguments.of("{\"stem_strides\": [1, 0]}", "stem_strides[1] = 0 must be in 1..8"),
                Arguments.of("{\"dims\": []}", "dims must not be empty"),
                Arguments.of("{\"dims\": [0, 64, 128]}", "dims[0] = 0 must be in 2..2048"),
                Arguments.of("{\"dims\": [31, 64, 128]}", "dims[0] = 31 must be even"),
                Arguments.of("{\"dims\": [32, 63, 128]}", "dims[1] = 63 must be even"),
                Arguments.of("{\"depths\": [1, 1]}", "depths has 2 entries but dims has 3"),
                Arguments.of("{\"depths\": [1, 0, 1]}", "depths[1] = 0 must be in 1..64"),
                Arguments.of("{\"window_sizes\": [7, 7, 7, 7]}", "window_sizes has 4 entries but dims has 3"),
                Arguments.of("{\"window_sizes\": [7, 7, 0]}", "window_sizes[2] = 0 must be in 1..64"),
                Arguments.of("{\"heads\": [1, 2]}", "heads has 2 entries but dims has 3"),
                Arguments.of("{\"heads\": [0, 2, 4]}", "heads[0] = 0 must be in 1..64"),
                Arguments.of("{\"heads\": [1, 3, 4]}", "heads[1] = 3 does not divide dims[1] = 64"),
                Arguments.of("{\"dims\": [32, 64]}", "depths has 3 entries but dims has 2"),
                Arguments.of("{\"scans\": []}", "scans must not be empty"),
                Arguments.of("{\"scans\": [\"h+\", \"v-\", \"h+\"]}", "scans[2] = 'h+' repeats scans[0]"),
                Arguments.of("{\"scans\": [\"h+\", \"x+\"]}", "scans[1] = 'x+' is not a scan order"),
                Arguments.of("{\"scans\": \"h+\"}", "scans must be an array"),
                Arguments.of("{\"inter_window_attention\": \"yes\"}", "inter_window_attention must be true or false"),
                Arguments.of("{\"dgcm\": \"medium\"}", "dgcm = 'medium' is not a dgcm mode"),
                Arguments.of("{\"dgcm\": null}", "dgcm must be a string"),
                Arguments.of("{\"mlp_ratio\": 0}", "mlp_ratio = 0.0 must be in (0, 16.0]"),
                Arguments.of("{\"mlp_ratio\": -1.5}", "mlp_ratio = -1.5 must be in (0, 16.0]"),
                Arguments.of("{\"mlp_ratio\": \"4\"}", "mlp_ratio must be a number"),
                Arguments.of("{\"d_state\": 0}", "d_state = 0 must be in 1..256"),
                Arguments.of("{\"d_state\": 257}", "d_state = 257 must be in 1..256"),
                Arguments.of("{\"d_conv\": 4}", "d_conv = 4 must be odd"),
                Arguments.of("{\"d_conv\": 0}", "d_conv = 0 must be in 1..31"),
                Arguments.of("{\"d_conv\": -1}", "d_conv = -1 must be in 1..31"),
                Arguments.of("{\"dropout\": 1.0}", "dropout = 1.0 must be in [0, 1)"),
                Arguments.of("{\"dropout\": -0.1}", "dropout = -0.1 must be in [0, 1)"),
                Arguments.of("{\"drop_path\": 1}", "drop_path = 1.0 must be in [0, 1)"),
                Arguments.of("{\"drop_path\": -0.5}", "drop_path = -0.5 must be in [0, 1)"),
                Arguments.of("{\"in_channels\": \"3\"}", "in_channels must be an integer"),
                Arguments.of("{\"in_channels\": 3.5}", "in_channels must be an integer"),
                Arguments.of("{\"in_channels\": null}", "in_channels must be an integer"),
                Arguments.of("{\"input_size\": 3000000000}", "input_size must be an integer"),
                Arguments.of("{\"dims\": 32}", "dims must be an array"),
                Arguments.of("{\"dims\": [32, \"64\", 128]}", "dims[1] must be an integer"),
                Arguments.of("{\"dims\": [32, 64, 128], \"dims\": [32, 64, 128]}", "dims"),
                Arguments.of("{\"dims\": [32, 64, 128]} {}", "malformed model config JSON"),
                Arguments.of("{\"dims\": [32, 64, ", "malformed model config JSON"),
                Arguments.of("[1, 2]", "model config JSON must be an object"),
                Arguments.of("", "model config JSON must be an object"));
    }

    @ParameterizedTest
    @MethodSource("invalidJson")
    void invalidJsonIsRejectedNamingTheField(String json, String message) {
        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    static Stream<Arguments> invalidBuilders() {
        return Stream.<Arguments>of(
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDims(31, 64, 128),
                        "dims[0] = 31 must be even"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDepths(1, 1),
                        "depths has 2 entries but dims has 3"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optHeads(1, 3, 4),
                        "heads[1] = 3 does not divide dims[1] = 64"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optScans(),
                        "scans must not be empty"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optScans(ScanOrder.V_MINUS, ScanOrder.V_MINUS),
                        "scans[1] = 'v-' repeats scans[0]"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optScans(Arrays.asList(ScanOrder.H_PLUS, null)),
                        "scans[1] must not be null"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDims((int[]) null),
                        "dims must not be null"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optHeads(Arrays.asList(1, null, 4)),
                        "heads[1] must not be null"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDgcm(null),
                        "dgcm must not be null"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optMlpRatio(Double.NaN),
                        "mlp_ratio = NaN"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optMlpRatio(Double.POSITIVE_INFINITY),
                        "mlp_ratio = Infinity"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDropout(Double.NaN),
                        "dropout = NaN must be in [0, 1)"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optDConv(2),
                        "d_conv = 2 must be odd"),
                Arguments.of((UnaryOperator<ModelConfig.Builder>) b -> b.optStemStrides(List.of(2)),
                        "stem_strides must have 2 entries"));
    }

    @ParameterizedTest
    @MethodSource("invalidBuilders")
    void invalidBuilderSettingsAreRejectedNamingTheField(UnaryOperator<ModelConfig.Builder> change, String message) {
        ModelConfig.Builder b = change.apply(ModelConfig.builder());
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void perStageListsMayChangeInAnyOrderBeforeBuild() {
        ModelConfig two = ModelConfig.builder().optDims(8, 16).optHeads(2, 4).optDepths(1, 2).optWindowSizes(4, 4)
                .build();
        assertThat(two.numStages()).isEqualTo(2);
        assertThat(two.numWindows(0)).isEqualTo(49);
        assertThat(two.numWindows(1)).isEqualTo(16);
    }

    // ---- immutability, builder copies ----

    @Test
    void isImmutable() {
        List<Integer> dims = new ArrayList<>(List.of(32, 64, 128));
        ModelConfig c = ModelConfig.builder().optDims(dims).build();
        dims.set(0, 4);
        assertThat(c.dims()).containsExactly(32, 64, 128);
        assertThatThrownBy(() -> c.dims().set(0, 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.scans().add(ScanOrder.H_MINUS)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.stemStrides().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toBuilderDerivesAVariantAndLeavesTheOriginal() {
        ModelConfig base = custom();
        assertThat(base.toBuilder().build()).isEqualTo(base);
        ModelConfig flat = base.toBuilder().optDgcm(DgcmMode.FLAT).build();
        assertThat(flat.dgcm()).isEqualTo(DgcmMode.FLAT);
        assertThat(base.dgcm()).isEqualTo(DgcmMode.SOFT);
        assertThat(flat.toBuilder().optDgcm(DgcmMode.SOFT).build()).isEqualTo(base);
    }

    @Test
    void negativeZeroEqualsZero() {
        assertThat(ModelConfig.builder().optDropout(-0.0).build()).isEqualTo(ModelConfig.builder().build());
    }

    @Test
    void toStringShowsTheSettings() {
        assertThat(ModelConfig.preset("paper-224").toString())
                .startsWith("ModelConfig{")
                .contains("\"dims\":[64,128,256,512]");
    }

    // ---- the JNI crossing ----

    @Test
    void nativeJsonIsTheConfigPlusTheReducedLabels() throws IOException {
        ModelConfig c = ModelConfig.preset("composite-28");
        JsonNode node = JSON.readTree(c.toNativeJson(LabelScheme.builtIn("casme2-5")));
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        List<String> expected = new ArrayList<>(DOC_KEYS);
        expected.remove("head_grid"); // the preset's default, left out
        expected.add("num_coarse");
        expected.add("fine_to_coarse");
        assertThat(keys).containsExactlyElementsOf(expected);
        for (String key : DOC_KEYS) {
            assertThat(node.get(key)).as(key).isEqualTo(JSON.readTree(c.toJson()).get(key));
        }
        assertThat(node.get("num_coarse").intValue()).isEqualTo(4);
        assertThat(node.get("fine_to_coarse").toString()).isEqualTo("[0,1,1,2,3]");

        JsonNode megc = JSON.readTree(ModelConfig.preset("paper-224").toNativeJson(LabelScheme.builtIn("megc-3")));
        assertThat(megc.get("num_coarse").intValue()).isEqualTo(3);
        assertThat(megc.get("fine_to_coarse").toString()).isEqualTo("[0,1,2]");
        assertThat(megc.get("input_size").intValue()).isEqualTo(224);
    }

    @Test
    void nativeJsonNeedsLabels() {
        assertThatThrownBy(() -> ModelConfig.preset("composite-28").toNativeJson(null))
                .isInstanceOf(NullPointerException.class);
    }

    // ---- enums ----

    @Test
    void scanOrderAndDgcmTokens() throws IOException {
        assertThat(ScanOrder.values()).extracting(ScanOrder::token).containsExactly("h+", "h-", "v+", "v-");
        assertThat(DgcmMode.values()).extracting(DgcmMode::token).containsExactly("hard", "soft", "flat");
        for (ScanOrder s : ScanOrder.values()) {
            assertThat(ScanOrder.fromToken(s.token())).isSameAs(s);
            assertThat(JSON.writeValueAsString(s)).isEqualTo("\"" + s.token() + "\"");
            assertThat(JSON.readValue("\"" + s.token() + "\"", ScanOrder.class)).isSameAs(s);
        }
        for (DgcmMode m : DgcmMode.values()) {
            assertThat(DgcmMode.fromToken(m.token())).isSameAs(m);
            assertThat(JSON.writeValueAsString(m)).isEqualTo("\"" + m.token() + "\"");
            assertThat(JSON.readValue("\"" + m.token() + "\"", DgcmMode.class)).isSameAs(m);
        }
        assertThatThrownBy(() -> ScanOrder.fromToken("H+"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'H+'")
                .hasMessageContaining("h+, h-, v+, v-");
        assertThatThrownBy(() -> DgcmMode.fromToken("HARD"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hard, soft, flat");
    }
}
