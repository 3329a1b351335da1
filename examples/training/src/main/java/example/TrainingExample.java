package example;

import ai.merba.checkpoint.Checkpoint;
import ai.merba.data.FlowDataset;
import ai.merba.data.Manifest;
import ai.merba.data.SyntheticFlows;
import ai.merba.eval.EvaluationReport;
import ai.merba.eval.EvaluationReportHtml;
import ai.merba.eval.EvaluationRunner;
import ai.merba.inference.Predictor;
import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import ai.merba.train.listener.CheckpointListener;
import ai.merba.train.listener.LoggingListener;
import java.nio.file.Files;
import java.nio.file.Path;

/** Training from Java: a dataset, a recipe, a Trainer with listeners, cross-validation and its HTML report. */
public final class TrainingExample {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("merba-training-");
        Path manifest = SyntheticFlows.write(dir, 4, 2, 7L);   // a small made-up dataset in the real format
        ModelConfig config = ModelConfig.preset("composite-28");
        LabelScheme labels = LabelScheme.builtIn("megc-3");

        // --- README: "Training from Java" ---
        FlowDataset data = FlowDataset.load(Manifest.load(manifest, labels, 3, 28));
        TrainingConfig training = TrainingConfig.recipe(TrainingConfig.COMPOSITE_28)   // the cross-validated recipe
                .toBuilder().optEpochs(2).optWarmupEpochs(1).build();                    // shortened for the example
        try (MerbaModel model = MerbaModel.create(config, labels, 42)) {
            Trainer trainer = new Trainer(model, training, 42)
                    .addListener(new LoggingListener())                                   // SLF4J, INFO
                    .addListener(new CheckpointListener(dir.resolve("run.safetensors"), 1));
            trainer.fit(data, null);
        }
        EvaluationReport report = new EvaluationRunner(config, training, 42).withHeldOutCurve(true)
                .crossValidate(data, 2, 1);                                               // or .loso(data)
        System.out.print(report.table());                                                 // and report.toJson()
        Files.writeString(dir.resolve("cv.html"), EvaluationReportHtml.render(report));
        // --- end of the README's code ---

        try (Predictor predictor = Predictor.load(dir.resolve("run.safetensors"))) {
            if (predictor.inputCentring() != InputCentring.ZERO_LEVEL) {
                throw new AssertionError("the checkpoint lost its input centring");
            }
            predictor.predict(data.flow(0));
        }
        if (!Files.readString(dir.resolve("cv.html")).contains("<svg") || Checkpoint.readMetadata(
                dir.resolve("run.safetensors")).training().isEmpty()) {
            throw new AssertionError("report or checkpoint provenance missing");
        }
        System.out.println("training example: OK");
    }
}
