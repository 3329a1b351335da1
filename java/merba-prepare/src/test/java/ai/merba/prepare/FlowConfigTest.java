package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The flow config: documented defaults, JSON round trip, validation naming the field. */
class FlowConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        FlowConfig c = FlowConfig.defaults();
        assertThat(c.method()).isEqualTo(FlowMethod.TV_L1);
        assertThat(c.crop()).isEqualTo(FaceCropMode.NONE);
        assertThat(c.outputSize()).isEqualTo(28);
        assertThat(c.flowSize()).isZero();
        assertThat(c.format()).isEqualTo(FlowFormat.PNG);
        assertThat(c.normalise()).isTrue();
        assertThat(c.tvL1()).isEqualTo(new TvL1Parameters(0.25, 0.15, 0.3, 5, 5, 0.01, 30, 10, 0.8, 0.0, 5));
        assertThat(c.farneback()).isEqualTo(new FarnebackParameters(0.5, 3, 15, 3, 5, 1.2, false));
        assertThat(FlowConfig.fromJson("{}")).isEqualTo(c);
    }

    @Test
    void jsonRoundTripsAndPartialObjectsKeepDefaults() {
        FlowConfig c = FlowConfig.fromJson("{\"method\": \"farneback\", \"crop\": \"detect\", \"output_size\": 56,"
                + " \"format\": \"npy\", \"normalise\": false, \"tv_l1\": {\"lambda\": 0.3},"
                + " \"farneback\": {\"levels\": 5}}");
        assertThat(c.method()).isEqualTo(FlowMethod.FARNEBACK);
        assertThat(c.crop()).isEqualTo(FaceCropMode.DETECT);
        assertThat(c.tvL1().lambda()).isEqualTo(0.3);
        assertThat(c.tvL1().warps()).isEqualTo(5);
        assertThat(c.farneback().levels()).isEqualTo(5);
        assertThat(FlowConfig.fromJson(c.toJson())).isEqualTo(c);
    }

    @Test
    void invalidValuesNameTheirField() {
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"tv_l1\": {\"tau\": 0.5}}"))
                .hasMessageContaining("tv_l1.tau");
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"farneback\": {\"poly_n\": 6}}"))
                .hasMessageContaining("farneback.poly_n");
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"output_size\": 2}")).hasMessageContaining("output_size");
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"normalise\": false}")).hasMessageContaining("npy");
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"methd\": \"tv-l1\"}")).hasMessageContaining("methd");
        assertThatThrownBy(() -> FlowConfig.fromJson("{\"method\": \"lucas-kanade\"}"))
                .hasMessageContaining("tv-l1, farneback");
    }
}
