package ai.merba.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.model.InputCentring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The built-in recipes: composite-28 is the frozen file of docs/recipes, spec-defaults the builder's defaults. */
class TrainingRecipesTest {
    private static final Path RECIPES =
            Path.of(System.getProperty("merba.testData", "../../test-data")).resolveSibling("docs").resolve("recipes");

    @Test
    void composite28IsTheFrozenDocsFile() throws IOException {
        TrainingConfig frozen = TrainingConfig.fromJson(Files.readString(RECIPES.resolve("composite-28.json")));
        TrainingConfig builtIn = TrainingConfig.recipe(TrainingConfig.COMPOSITE_28);
        assertThat(builtIn.toJson()).isEqualTo(frozen.toJson());
        // What cross-validation chose (docs/results.md), so that an edit of the file cannot pass unnoticed.
        assertThat(builtIn.epochs()).isEqualTo(50);
        assertThat(builtIn.learningRate()).isEqualTo(1e-3);
        assertThat(builtIn.warmupEpochs()).isEqualTo(3);
        assertThat(builtIn.classWeighting()).isEqualTo(TrainingConfig.ClassWeighting.BALANCED);
        assertThat(builtIn.inputCentring()).isEqualTo(InputCentring.ZERO_LEVEL);
        assertThat(builtIn.emaDecay()).isEqualTo(0.99);
        assertThat(builtIn.mixupAlpha()).isEqualTo(0.4);
        assertThat(builtIn.labelSmoothing()).isZero();
    }

    @Test
    void composite28TtaIsComposite28PredictingWithTestTimeFlipping() throws IOException {
        TrainingConfig frozen = TrainingConfig.fromJson(Files.readString(RECIPES.resolve("composite-28-tta.json")));
        TrainingConfig builtIn = TrainingConfig.recipe(TrainingConfig.COMPOSITE_28_TTA);
        assertThat(builtIn.toJson()).isEqualTo(frozen.toJson());
        assertThat(builtIn.testTimeFlip()).isTrue();
        assertThat(builtIn.toBuilder().optTestTimeFlip(false).build())
                .isEqualTo(TrainingConfig.recipe(TrainingConfig.COMPOSITE_28));
    }

    @Test
    void composite28TtaSqrtIsComposite28TtaWithSqrtClassWeights() throws IOException {
        TrainingConfig frozen = TrainingConfig.fromJson(Files.readString(RECIPES.resolve("composite-28-tta-sqrt.json")));
        TrainingConfig builtIn = TrainingConfig.recipe(TrainingConfig.COMPOSITE_28_TTA_SQRT);
        assertThat(builtIn.toJson()).isEqualTo(frozen.toJson());
        assertThat(builtIn.classWeighting()).isEqualTo(TrainingConfig.ClassWeighting.SQRT);
        assertThat(builtIn.toBuilder().optClassWeighting(TrainingConfig.ClassWeighting.BALANCED).build())
                .isEqualTo(TrainingConfig.recipe(TrainingConfig.COMPOSITE_28_TTA));
    }

    @Test
    void everyRecipeFileOfTheDocsIsBuiltIn() throws IOException {
        try (var files = Files.list(RECIPES)) {
            assertThat(files.map(f -> f.getFileName().toString().replaceFirst("\\.json$", "")))
                    .containsExactlyInAnyOrderElementsOf(TrainingConfig.recipeNames().stream()
                            .filter(n -> !n.equals(TrainingConfig.SPEC_DEFAULTS)).toList());
        }
    }

    @Test
    void specDefaultsAreTheBuildersDefaults() {
        assertThat(TrainingConfig.recipe(TrainingConfig.SPEC_DEFAULTS).toJson())
                .isEqualTo(TrainingConfig.builder().build().toJson());
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        assertThatThrownBy(() -> TrainingConfig.recipe("composite28"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown training recipe 'composite28'; known recipes: composite-28-tta, "
                        + "composite-28-tta-sqrt, composite-28, spec-defaults");
    }
}
