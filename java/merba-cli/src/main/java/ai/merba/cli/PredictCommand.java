package ai.merba.cli;

import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.data.Sample;
import ai.merba.eval.ClassMetrics;
import ai.merba.eval.ConfusionMatrix;
import ai.merba.inference.Predictor;
import ai.merba.model.LabelScheme;
import ai.merba.model.ModelConfig;
import ai.merba.model.Prediction;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a trained checkpoint: one flow file (.png, .jpg, .npy), every flow file of a folder,"
                + " or the samples of a manifest (then also Acc / UF1 / UAR against its labels).",
                "Example: merba predict --checkpoint merba.safetensors flows/"})
final class PredictCommand implements Callable<Integer> {
    private static final List<String> FLOW_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".npy");

    enum Format { TABLE, CSV, JSON }

    @Option(names = "--checkpoint", required = true, description = "A checkpoint written by 'merba train' (.safetensors).")
    Path checkpoint;

    @Parameters(index = "0", paramLabel = "INPUT", description = "A flow file, a folder of flow files, or a manifest (.csv).")
    Path input;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--batch-size", defaultValue = "32", description = "Samples per native call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--output", description = "Write the predictions to this file instead of standard output.")
    Path output;

    /** One sample to predict: from a file, or already decoded by the manifest (features non-null). */
    private record Item(String name, Path file, float[] features, String truth) {}

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(input)) {
            throw new NoSuchFileException(input.toString(), null, "no such file or folder");
        }
        OutputPaths.checkWritable(output, "--output");
        OutputPaths.checkNotInput(output, "--output", checkpoint, input,
                ai.merba.checkpoint.Checkpoint.trainingStatePath(checkpoint));
        if (output != null && Files.isDirectory(input)) {
            try (Stream<Path> files = Files.list(input)) {
                for (Path f : files.toList()) {
                    OutputPaths.checkNotInput(output, "--output", f);
                }
            }
        }
        try (Predictor predictor = Predictor.load(checkpoint)) {
            List<Item> items = items(predictor);
            if (items.isEmpty()) {
                throw new IllegalArgumentException(input + " holds no flow files (" + String.join(", ", FLOW_EXTENSIONS) + ")");
            }
            List<Prediction> predictions = predict(predictor, items);
            if (output == null) {
                write(System.out, items, predictions);
            } else {
                try (PrintStream out = new PrintStream(Files.newOutputStream(output), false, "UTF-8")) {
                    write(out, items, predictions);
                    if (out.checkError()) {  // PrintStream swallows write errors (a full disk): ask for them
                        throw new IOException("could not write the predictions to " + output);
                    }
                }
                System.out.println("wrote " + predictions.size() + " predictions to " + output);
            }
            if (items.get(0).truth() != null) {
                printMetrics(items, predictions, predictor.labels());
            }
        }
        return MerbaCli.EXIT_OK;
    }

    private List<Item> items(Predictor predictor) throws IOException {
        ModelConfig config = predictor.config();
        LabelScheme labels = predictor.labels();
        if (Files.isDirectory(input)) {
            try (Stream<Path> files = Files.list(input)) {
                return files.filter(PredictCommand::isFlowFile).sorted()
                        .map(f -> new Item(f.getFileName().toString(), f, null, null)).toList();
            }
        }
        if (input.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            // The samples as the network takes them: centred (and scaled) if the model was trained so.
            FlowDataset data = FlowDataset.load(Manifest.load(input, labels, config.inChannels(), config.inputSize()))
                    .withCentring(predictor.inputCentring());
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                Sample s = data.sample(i);
                items.add(new Item(s.sample(), s.file(), data.features(i), labels.classes().get(s.label()).name()));
            }
            return items;
        }
        return List.of(new Item(input.getFileName().toString(), input, null, null));
    }

    private List<Prediction> predict(Predictor predictor, List<Item> items) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        return items.get(0).features() == null
                ? predictor.predictFiles(items.stream().map(Item::file).toList(), batchSize)
                : predictor.predictSamples(items.stream().map(Item::features).toList(), batchSize);
    }

    private static boolean isFlowFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && FLOW_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private void write(PrintStream out, List<Item> items, List<Prediction> predictions) throws IOException {
        boolean labelled = items.get(0).truth() != null;
        switch (format) {
            case TABLE -> {
                out.printf("%-32s %-12s %6s  %-12s %6s%s%n", "sample", "coarse", "p", "fine", "p", labelled ? "  truth" : "");
                for (int i = 0; i < items.size(); i++) {
                    Prediction p = predictions.get(i);
                    out.printf(Locale.ROOT, "%-32s %-12s %6.3f  %-12s %6.3f%s%n", items.get(i).name(), p.coarseLabel(),
                            p.coarseProbability(), p.fineLabel(), p.fineProbability(),
                            labelled ? "  " + items.get(i).truth() : "");
                }
            }
            case CSV -> {
                out.println("sample,coarse,coarse_probability,fine,fine_probability" + (labelled ? ",truth" : ""));
                for (int i = 0; i < items.size(); i++) {
                    Prediction p = predictions.get(i);
                    out.printf(Locale.ROOT, "%s,%s,%.6f,%s,%.6f%s%n", csv(items.get(i).name()), csv(p.coarseLabel()),
                            p.coarseProbability(), csv(p.fineLabel()), p.fineProbability(),
                            labelled ? "," + csv(items.get(i).truth()) : "");
                }
            }
            case JSON -> {
                ObjectMapper mapper = new ObjectMapper();
                ArrayNode array = mapper.createArrayNode();
                for (int i = 0; i < items.size(); i++) {
                    Prediction p = predictions.get(i);
                    ObjectNode o = array.addObject();
                    o.put("sample", items.get(i).name());
                    o.put("file", items.get(i).file().toString());
                    o.put("coarse", p.coarseLabel());
                    o.put("coarse_probability", p.coarseProbability());
                    o.put("fine", p.fineLabel());
                    o.put("fine_probability", p.fineProbability());
                    ArrayNode dist = o.putArray("fine_distribution");
                    for (double d : p.fineDistribution()) {
                        dist.add(d);
                    }
                    if (labelled) {
                        o.put("truth", items.get(i).truth());
                    }
                }
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
            }
        }
    }

    /** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
    static String csv(String field) {
        return field.matches("(?s).*[,\"\r\n].*") ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }

    private static void printMetrics(List<Item> items, List<Prediction> predictions, LabelScheme labels) {
        ConfusionMatrix m = new ConfusionMatrix(labels.numFine());
        for (int i = 0; i < items.size(); i++) {
            m.add(labels.fineIndexOf(items.get(i).truth()), predictions.get(i).fineIndex());
        }
        List<String> names = labels.classes().stream().map(LabelScheme.FineClass::name).toList();
        Optional<String> undefined = ClassMetrics.undefinedReason(m, names);
        if (undefined.isEmpty()) {
            ClassMetrics metrics = ClassMetrics.of(m, names);
            System.err.printf(Locale.ROOT, "%d samples: Acc %.3f  UF1 %.3f  UAR %.3f%n", items.size(), metrics.accuracy(),
                    metrics.uf1(), metrics.uar());
        } else {
            // UF1/UAR are undefined when a class has no sample here; accuracy still is.
            System.err.printf(Locale.ROOT, "%d samples: Acc %.3f (UF1/UAR undefined: %s)%n", items.size(),
                    m.accuracy(), undefined.get());
        }
    }
}
