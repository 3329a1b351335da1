package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.ConfigCases;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Every training config case in Java's keys (test-data/training-config/invalid; the C++ train_test runs those in
 * the native keys, the shared keys in both) is refused naming its field.
 */
class TrainingConfigCasesTest {
    @Test
    void everyCaseInJavasKeysIsRefusedNamingItsField() throws IOException {
        int ran = 0;
        for (ConfigCases c : ConfigCases.load("training-config")) {
            boolean unknownKey = c.name().equals("unknown-key");
            if (!unknownKey && !TrainingConfig.KEYS.containsAll(c.keys())) {
                continue;  // a native-only key (steps, betas, class_weights): the C++ test runs it
            }
            ran++;
            assertThatThrownBy(() -> TrainingConfig.fromJson(c.config().toString())).as(c.name())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.field());
        }
        assertThat(ran).isEqualTo(25);
    }

    @Test
    void unknownKeysListTheKnownOnesInTheirDocumentedOrder() {
        // The same message on every run (the known keys used to come from a Set.of, in a different order each run).
        assertThatThrownBy(() -> TrainingConfig.fromJson("{\"epoch\": 3}"))
                .hasMessageContaining("unknown key 'epoch' (known keys: " + String.join(", ", TrainingConfig.KEYS) + ")")
                .hasMessageContaining("known keys: epochs, batch_size, learning_rate, min_learning_rate, weight_decay,");
    }
}
