package ai.merba.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ai.merba.ConfigCases;
import ai.merba.presets.MerbaNative;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every model config case (test-data/model-config/invalid, also run by the C++ model_test) is refused naming its
 * field: by Java's field checks, or — for the network-wide budgets only the native side computes — when the
 * network is built, in well under a second and before anything large is allocated.
 */
class ModelConfigCasesTest {
    @BeforeAll
    static void loadNativeLibraries() {
        MerbaNative.load();  // LibTorch's loading time is not the refusal's
    }

    @Test
    void everyCaseIsRefusedNamingItsField() throws IOException {
        int inJava = 0, natively = 0;
        for (ConfigCases c : ConfigCases.load("model-config")) {
            Throwable javaRefusal = catchThrowable(() -> ModelConfig.fromJson(c.config().toString()));
            if (javaRefusal != null) {
                assertThat(javaRefusal).as(c.name()).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(c.field());
                inJava++;
                continue;
            }
            ModelConfig config = ModelConfig.fromJson(c.config().toString());
            long start = System.nanoTime();
            assertThatThrownBy(() -> MerbaModel.create(config, LabelScheme.builtIn("megc-3"), 1).close()).as(c.name())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.field());
            assertThat((System.nanoTime() - start) / 1e9).as(c.name() + ": seconds to refuse").isLessThan(2);
            natively++;
        }
        // Only the two network-wide budgets (parameters, activations) are left to the native side.
        assertThat(natively).isEqualTo(2);
        assertThat(inJava).isEqualTo(25);
    }
}
