package ai.merba;

import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import java.nio.file.Path;

/** What many tests share: the bundled synthetic data and a small network that trains in seconds. */
public final class Fixtures {
    public static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");
    /** composite-28 with narrow stages: the same structure, a fraction of the work. */
    public static final ModelConfig SMALL = ModelConfig.preset("composite-28").toBuilder().optDims(8, 16, 16)
            .optHeads(1, 1, 1).build();
    private static FlowDataset synthetic;

    private Fixtures() {}

    /** test-data/synthetic (96 samples, 8 subjects, megc-3), decoded once per test JVM. */
    public static synchronized FlowDataset synthetic() {
        if (synthetic == null) {
            Path manifest = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic", "manifest.csv");
            synthetic = FlowDataset.load(Manifest.load(manifest, MEGC3, 3, 28));
        }
        return synthetic;
    }
}
