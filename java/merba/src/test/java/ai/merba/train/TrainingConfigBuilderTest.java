package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The builder: warm-up longer than the run is clamped in the config, never in the builder, which stays reusable. */
class TrainingConfigBuilderTest {
    @Test
    void warmupLongerThanTheRunIsClampedWithoutChangingTheBuilder() {
        TrainingConfig.Builder b = TrainingConfig.builder().optWarmupEpochs(5);
        assertThat(b.optEpochs(2).build().warmupEpochs()).isEqualTo(2);
        assertThat(b.optEpochs(50).build().warmupEpochs()).isEqualTo(5);
        assertThat(TrainingConfig.fromJson("{\"epochs\": 3, \"warmup_epochs\": 9}").warmupEpochs()).isEqualTo(3);
    }

    @Test
    void negativeWarmupIsRefusedNamingTheField() {
        assertThatThrownBy(() -> TrainingConfig.builder().optWarmupEpochs(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("warmup_epochs = -1 must be >= 0");
    }
}
