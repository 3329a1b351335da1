package ai.merba.eval;

import ai.merba.data.FlowDataset;
import ai.merba.internal.JsonFields;
import ai.merba.internal.NativeCalls;
import ai.merba.model.ModelConfig;
import ai.merba.presets.MerbaNative;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A subject-wise evaluation as one file for the native fold loop ({@code native/train/fold_plan.h}): the samples as
 * the network sees them (centred as the recipe says), their labels and, per fold, the training and test rows, the
 * fold's seed and the native training options a {@link Trainer} would use. Java plans, the native side only
 * executes: on the CPU with the same thread count the native loop's predictions equal this library's
 * {@link EvaluationRunner} run (tested); on a GPU they follow its rounding. Several folds can run at once. The file
 * also runs on machines without a JVM ({@code merba_folds}).
 */
final class NativeFoldPlan {
    private NativeFoldPlan() {}

    /** The seed of fold {@code index}'s model and training run, from the run's seed. */
    static long foldSeed(long seed, int index) {
        return seed * 1_000_003L + index;
    }

    /** Writes the plan of {@code folds} over {@code data} to {@code path} (checked natively first). */
    static void write(Path path, ModelConfig modelConfig, TrainingConfig trainingConfig, long seed, FlowDataset data,
            List<FlowDataset.Fold> folds, String protocol) {
        FlowDataset inputs = data.withCentring(trainingConfig.inputCentring());
        ObjectNode plan = JsonFields.MAPPER.createObjectNode();
        plan.put("protocol", protocol);
        plan.put("model_spec", modelConfig.toNativeJson(data.labels()));
        plan.put("epochs", trainingConfig.epochs());
        plan.put("batch_size", trainingConfig.batchSize());
        plan.put("test_time_flip", trainingConfig.testTimeFlip());
        // On the CPU the thread count decides how a batch splits into shards: a run elsewhere reproduces this one's
        // predictions only with it (merba_folds uses it by default).
        plan.put("threads", torch.get_num_threads());
        ArrayNode names = plan.putArray("class_names");
        data.labels().classes().forEach(c -> names.add(c.name()));
        ArrayNode foldNodes = plan.putArray("folds");
        for (FlowDataset.Fold fold : folds) {
            // The rows FlowDataset.folds gives the fold's train and test sets, in the same order.
            Set<String> held = new HashSet<>(fold.heldOutSubjects());
            ObjectNode f = foldNodes.addObject();
            f.put("index", fold.index());
            long foldSeed = foldSeed(seed, fold.index());
            f.put("seed", foldSeed);
            if (trainingConfig.ensembleSize() > 1) {  // absent: one model, the plan a reader of one model knows
                ArrayNode members = f.putArray("member_seeds");
                for (int m = 0; m < trainingConfig.ensembleSize(); m++) {
                    members.add(TrainingConfig.memberSeed(foldSeed, m));
                }
            }
            f.put("held_out", fold.heldOutSubject());
            ArrayNode train = f.putArray("train"), test = f.putArray("test");
            for (int i = 0; i < data.size(); i++) {
                (held.contains(data.sample(i).subject()) ? test : train).add(i);
            }
            f.put("options", Trainer.nativeOptionsJson(trainingConfig, fold.train().withCentring(
                    trainingConfig.inputCentring())));
        }
        int perSample = inputs.channels() * inputs.inputSize() * inputs.inputSize();
        float[] features = new float[inputs.size() * perSample];
        long[] labels = new long[inputs.size()];
        boolean levels = !inputs.centring().centred();
        float[] zeroLevels = new float[levels ? inputs.size() * inputs.channels() : 0];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.features(i), 0, features, i * perSample, perSample);
            labels[i] = inputs.label(i);
            if (levels) {
                System.arraycopy(inputs.zeroLevel(i), 0, zeroLevels, i * inputs.channels(), inputs.channels());
            }
        }
        try (Tensor x = torch.empty(inputs.size(), inputs.channels(), inputs.inputSize(), inputs.inputSize());
                Tensor y = torch.tensor(labels);
                Tensor z = levels ? torch.empty(inputs.size(), inputs.channels()) : new Tensor()) {
            x.data_ptr_float().put(features);
            if (levels) {
                z.data_ptr_float().put(zeroLevels);
            }
            String json = JsonFields.write(plan);
            NativeCalls.run(() -> MerbaNative.writeFoldPlan(path.toString(), x, z, y, json));
        }
    }

    /** One fold's predictions from the native loop. */
    record FoldPredictions(int index, int[] test, int[] predicted, double lastEpochLoss, double seconds) {}

    /**
     * Runs the plan at {@code path}: {@code workers} folds at once on {@code device} ("cpu", "cuda", "cuda:N"), with
     * each training step replayed as a CUDA graph when {@code cudaGraphs}.
     */
    static List<FoldPredictions> run(Path path, int workers, String device, boolean cudaGraphs) {
        String json = NativeCalls.call(() -> MerbaNative.runFoldPlan(path.toString(), workers, device, cudaGraphs));
        JsonNode doc = JsonFields.parseObject(json, "native fold results");
        List<FoldPredictions> folds = new ArrayList<>();
        for (JsonNode f : doc.get("folds")) {
            folds.add(new FoldPredictions(f.get("index").asInt(), ints(f.get("test")), ints(f.get("predicted")),
                    f.get("last_epoch_loss").asDouble(), f.get("seconds").asDouble()));
        }
        return folds;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
