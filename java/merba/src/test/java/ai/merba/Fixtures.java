package ai.merba;

import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

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

    /**
     * The samples of {@code manifest} regrouped into other datasets: a copy written to {@code copy}, each row's
     * dataset column set by {@code datasetOf} (given the row's fields) and its file made absolute, then loaded.
     */
    public static FlowDataset withDatasets(Path manifest, Function<String[], String> datasetOf, Path copy)
            throws IOException {
        Path base = manifest.toAbsolutePath().getParent();
        List<String> lines = Files.readAllLines(manifest);
        StringBuilder out = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);  // dataset,subject,sample,label,file
            f[0] = datasetOf.apply(f);
            f[4] = base.resolve(f[4]).toString();
            out.append(String.join(",", f)).append('\n');
        }
        return FlowDataset.load(Manifest.load(Files.writeString(copy, out), MEGC3, 3, 28));
    }
}
