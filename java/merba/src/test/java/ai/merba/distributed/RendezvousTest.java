package ai.merba.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
    @Test
    void torchrunVariablesAreReadWithTheirDefaults() {
        Rendezvous r = Rendezvous.fromEnvironment(Map.of("RANK", "2", "WORLD_SIZE", "4", "MASTER_ADDR", "node7",
                "MASTER_PORT", "29555"));
        assertThat(r.rank()).isEqualTo(2);
        assertThat(r.worldSize()).isEqualTo(4);
        assertThat(r.masterAddr()).isEqualTo("node7");
        assertThat(r.masterPort()).isEqualTo(29555);
        Rendezvous alone = Rendezvous.fromEnvironment(Map.of());
        assertThat(alone.isSingle()).isTrue();
        assertThat(alone.masterPort()).isEqualTo(Rendezvous.DEFAULT_MASTER_PORT);
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertThatThrownBy(() -> Rendezvous.fromEnvironment(Map.of("WORLD_SIZE", "two")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WORLD_SIZE='two'");
        assertThatThrownBy(() -> Rendezvous.builder().worldSize(2).rank(2).build())
                .hasMessageContaining("rank must be in [0, world size) = [0, 2), got 2");
        assertThatThrownBy(() -> Rendezvous.builder().masterPort(0).build()).hasMessageContaining("master port");
        assertThatThrownBy(() -> Rendezvous.builder().timeout(Duration.ZERO).build()).hasMessageContaining("timeout");
    }

    @Test
    void aWorldOfOneHasNoGroupToJoin() {
        assertThatThrownBy(() -> ProcessGroup.join(Rendezvous.single())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("world of one");
    }

    @Test
    void theNativeDocumentCarriesEveryField() {
        String json = Rendezvous.builder().rank(1).worldSize(3).masterAddr("10.0.0.2").masterPort(29600)
                .timeout(Duration.ofSeconds(9)).build().toNativeJson();
        assertThat(json).contains("\"rank\":1", "\"world_size\":3", "\"master_addr\":\"10.0.0.2\"",
                "\"master_port\":29600", "\"timeout_ms\":9000");
    }
}
