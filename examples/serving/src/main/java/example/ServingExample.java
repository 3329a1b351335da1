package example;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.inference.Predictor;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A JVM service's use of MERba: load a checkpoint once, predict from any thread, swap in a newly trained model
 * without stopping. It checks what a service owner cares about: the class path holds only the library and what
 * it needs (no OpenCV, POI or picocli), and a fresh process that loads and predicts prints nothing.
 */
public final class ServingExample {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--quiet-child")) {
            predictOnce(Path.of(args[1]));  // must print nothing at all
            return;
        }
        Path dir = Files.createTempDirectory("merba-serving-");
        Path checkpoint = dir.resolve("merba.safetensors");
        // In a service the checkpoint comes from `merba train`; here, a freshly initialised model.
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), LabelScheme.builtIn("megc-3"), 42)) {
            Checkpoint.save(model, checkpoint);
        }

        // --- README: "Checkpoints and serving" ---
        try (Predictor predictor = Predictor.load(checkpoint)) {       // share across threads
            float[] flows = new float[3 * 28 * 28];                      // u, v, strain: (C, H, W) row-major
            Prediction p = predictor.predict(flows);
            System.out.println(p.coarseLabel() + " " + p.coarseProbability());
            predictor.reload(checkpoint);                                // a newly trained model, without stopping
        }
        // --- end of the README's code ---

        checkClassPath();
        checkQuiet(checkpoint);
        System.out.println("serving example: OK");
    }

    private static void predictOnce(Path checkpoint) throws Exception {
        try (Predictor predictor = Predictor.load(checkpoint)) {
            predictor.predict(new float[3 * 28 * 28]);
        }
    }

    /** The serving class path: our artifacts, LibTorch, OpenBLAS, JavaCPP, Jackson and slf4j-api — nothing else. */
    private static void checkClassPath() {
        List<String> allowed = List.of("merba-", "merba-presets-", "pytorch-", "openblas-", "javacpp-", "jackson-",
                "slf4j-api-");
        long bytes = 0;
        StringBuilder entries = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File f = new File(entry);
            String name = f.getName();
            if (f.isDirectory()) {
                continue;  // this example's own classes
            }
            if (allowed.stream().noneMatch(name::startsWith) || name.contains("opencv") || name.contains("poi")
                    || name.contains("picocli")) {
                throw new AssertionError("the serving class path holds " + name + ", which serving does not need");
            }
            bytes += f.length();
            entries.append("  ").append(name).append(String.format(" (%.1f MB)%n", f.length() / 1e6));
        }
        System.out.printf("serving class path: %.1f MB in all%n%s", bytes / 1e6, entries);
    }

    /** A fresh JVM that loads a checkpoint and predicts must print nothing (no logging is configured here). */
    private static void checkQuiet(Path checkpoint) throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                ServingExample.class.getName(), "--quiet-child", checkpoint.toString()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = child.waitFor();
        if (code != 0 || !output.isEmpty()) {
            throw new AssertionError("a process that loads a checkpoint and predicts exited " + code
                    + " and printed:\n" + output);
        }
        System.out.println("a fresh process that loads a checkpoint and predicts printed nothing");
    }
}
