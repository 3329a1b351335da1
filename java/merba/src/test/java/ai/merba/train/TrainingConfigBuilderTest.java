package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The builder: warm-up longer than the run is clamped in the config, never in the builder, which stays reusable;
 * the ensemble size and its members' seeds; the scaled centring.
 */
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

    @Test
    void scaledCentringRoundTripsThroughJsonAndAllowsTestTimeFlipping() {
        TrainingConfig scaled = TrainingConfig.fromJson(
                "{\"input_centring\": \"zero_level_scaled\", \"test_time_flip\": true}");
        assertThat(scaled.inputCentring()).isEqualTo(ai.merba.model.InputCentring.ZERO_LEVEL_SCALED);
        assertThat(scaled.testTimeFlip()).isTrue();
        assertThat(TrainingConfig.fromJson(scaled.toJson())).isEqualTo(scaled);
    }

    @Test
    void ensembleSizeDefaultsToOneModelAndRoundTripsThroughJson() {
        assertThat(TrainingConfig.builder().build().ensembleSize()).isEqualTo(1);
        TrainingConfig three = TrainingConfig.builder().optEnsembleSize(3).build();
        assertThat(TrainingConfig.fromJson(three.toJson())).isEqualTo(three);
        assertThat(TrainingConfig.fromJson("{\"ensemble_size\": 5}").ensembleSize()).isEqualTo(5);
        assertThat(three.toBuilder().build().ensembleSize()).isEqualTo(3);
    }

    @Test
    void theFirstMemberKeepsTheRunsSeedAndTheOthersGetDistinctOnes() {
        assertThat(TrainingConfig.memberSeed(42, 0)).isEqualTo(42);
        java.util.Set<Long> seeds = new java.util.HashSet<>();
        for (long seed : new long[] {0, 1, 42, 43}) {
            for (int m = 0; m < 8; m++) {
                seeds.add(TrainingConfig.memberSeed(seed, m));
            }
        }
        assertThat(seeds).hasSize(32);  // nearby run seeds do not share members, as seed + m would
        // Nor does a member's shuffle replay member 0's stream a few draws later (SplittableRandom's step is the
        // golden-ratio γ, so seed + γ·m unmixed would).
        java.util.SplittableRandom first = new java.util.SplittableRandom(TrainingConfig.memberSeed(42, 0));
        java.util.Set<Long> firstDraws = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            firstDraws.add(first.nextLong());
        }
        for (int m = 1; m < 4; m++) {
            assertThat(firstDraws).doesNotContain(new java.util.SplittableRandom(TrainingConfig.memberSeed(42, m)).nextLong());
        }
        assertThatThrownBy(() -> TrainingConfig.memberSeed(1, -1)).hasMessageContaining("member = -1");
    }

    @Test
    void eraseSizeReachesTheNativeStepOnlyWhenOn() {
        TrainingConfig erasing = TrainingConfig.builder().optEraseSize(8).build();
        assertThat(TrainingConfig.fromJson(erasing.toJson()).eraseSize()).isEqualTo(8);
        assertThat(erasing.toNativeJson(10, null)).contains("\"erase_size\":8");
        // Off, the native options are what they were before the switch existed.
        assertThat(TrainingConfig.builder().build().toNativeJson(10, null)).doesNotContain("erase_size");
    }

    @Test
    void samRhoReachesTheNativeStepOnlyWhenOn() {
        TrainingConfig sam = TrainingConfig.builder().optSamRho(0.05).build();
        assertThat(TrainingConfig.fromJson(sam.toJson()).samRho()).isEqualTo(0.05);
        assertThat(sam.toBuilder().build()).isEqualTo(sam);
        assertThat(sam.toNativeJson(10, null)).contains("\"sam_rho\":0.05");
        // Off, the native options are what they were before the switch existed.
        assertThat(TrainingConfig.builder().build().toNativeJson(10, null)).doesNotContain("sam_rho");
        assertThatThrownBy(() -> TrainingConfig.builder().optSamRho(-0.1).build())
                .hasMessageContaining("sam_rho = -0.1");
    }
}
