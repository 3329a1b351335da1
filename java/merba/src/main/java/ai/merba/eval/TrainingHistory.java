package ai.merba.eval;

import ai.merba.data.FlowDataset;
import ai.merba.internal.JsonFields;
import ai.merba.train.EpochResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingListener;
import ai.merba.train.ValidationResult;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Records a training run's curve — per epoch the training loss, accuracy, learning rate and throughput, and the
 * validation metrics when a validation set is given — and writes it as JSON ({@code merba train --report}).
 */
public final class TrainingHistory implements TrainingListener {
    private final FlowDataset validation;
    private final List<EpochResult> epochs = new ArrayList<>();
    private final List<ValidationResult> validations = new ArrayList<>();

    /** @param validation the set given to {@code fit} as validation (for its labels), or null */
    public TrainingHistory(FlowDataset validation) {
        this.validation = validation;
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult epoch) {
        epochs.add(epoch);
    }

    @Override
    public void onValidation(Trainer trainer, ValidationResult v) {
        validations.add(v);
    }

    public List<EpochResult> epochs() {
        return List.copyOf(epochs);
    }

    /**
     * The JSON document: {@code training_config}, {@code model_config}, {@code input_centring}, {@code seed},
     * {@code data} and {@code epochs},
     * each epoch with {@code loss}, {@code accuracy}, {@code learning_rate}, {@code samples_per_second} and, with
     * validation, {@code validation} = {accuracy, uf1, uar} (uf1/uar null where a class is absent from it).
     */
    public String toJson(Trainer trainer, long seed, String data) {
        Objects.requireNonNull(trainer, "trainer");
        ObjectNode root = JsonFields.MAPPER.createObjectNode();
        root.set("training_config", JsonFields.parseObject(trainer.config().toJson(), "training config"));
        root.set("model_config", JsonFields.parseObject(trainer.model().config().toJson(), "model config"));
        root.put("input_centring", trainer.model().inputCentring().token());
        root.put("seed", seed);
        root.put("data", data);
        ArrayNode list = root.putArray("epochs");
        List<String> names = validation == null ? List.of()
                : validation.labels().classes().stream().map(c -> c.name()).toList();
        for (EpochResult e : epochs) {
            ObjectNode node = list.addObject();
            node.put("epoch", e.epoch());
            node.put("loss", e.loss());
            node.put("accuracy", e.accuracy());
            node.put("learning_rate", e.learningRate());
            node.put("samples_per_second", e.samplesPerSecond());
            validationOf(e.epoch()).ifPresent(v -> {
                ObjectNode vn = node.putObject("validation");
                ConfusionMatrix m = new ConfusionMatrix(names.size());
                int[] predicted = v.predicted();
                for (int i = 0; i < predicted.length; i++) {
                    m.add(validation.label(i), predicted[i]);
                }
                vn.put("accuracy", v.accuracy());
                if (ClassMetrics.undefinedReason(m, names).isEmpty()) {
                    ClassMetrics metrics = ClassMetrics.of(m, names);
                    vn.put("uf1", metrics.uf1());
                    vn.put("uar", metrics.uar());
                } else {
                    vn.putNull("uf1");
                    vn.putNull("uar");
                }
            });
        }
        try {
            return JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    private Optional<ValidationResult> validationOf(int epoch) {
        return validations.stream().filter(v -> v.epoch() == epoch).findFirst();
    }
}
