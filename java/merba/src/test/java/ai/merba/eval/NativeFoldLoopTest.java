package ai.merba.eval;

import static ai.merba.Fixtures.SMALL;
import static ai.merba.Fixtures.synthetic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.data.FlowDataset;
import ai.merba.model.InputCentring;
import ai.merba.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native fold loop ({@code native/train/fold_runner.h}) against the Java fold loop: the same plan gives the same
 * predictions, sample for sample — every generator (shuffle, augmentation, mixup, drop path), the schedule, the
 * class weights, the weight average and test-time flipping replayed natively — also with several folds at once.
 */
class NativeFoldLoopTest {

    @Test
    void nativeFoldsPredictWhatJavaFoldsPredict() {
        // The shipped recipe's switches: centring, EMA, mixup, balanced class weights, test-time flipping.
        TrainingConfig recipe = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optEmaDecay(0.9)
                .optMixupAlpha(0.4).optClassWeighting(TrainingConfig.ClassWeighting.BALANCED)
                .optInputCentring(InputCentring.ZERO_LEVEL).optTestTimeFlip(true).build();
        EvaluationReport java = new EvaluationRunner(SMALL, recipe, 5).crossValidate(synthetic(), 3, 1);
        EvaluationReport nativeOne = new EvaluationRunner(SMALL, recipe, 5).withNativeFolds(1, "cpu")
                .crossValidate(synthetic(), 3, 1);
        EvaluationReport nativeThree = new EvaluationRunner(SMALL, recipe, 5).withNativeFolds(3, "cpu")
                .crossValidate(synthetic(), 3, 1);
        assertThat(nativeOne.predictions()).isEqualTo(java.predictions());
        assertThat(nativeThree.predictions()).isEqualTo(java.predictions());
        assertThat(nativeOne.pooled()).isEqualTo(java.pooled());
        assertThat(nativeOne.folds()).allMatch(f -> f.curve().isEmpty());
    }

    @Test
    void nativeEnsemblesPredictWhatJavaEnsemblesPredict(@TempDir Path dir) {
        // The two implementations of the averaging rule (EnsemblePrediction, model::dgcm_choose) and of the member
        // seeds agree: the same plan of three members per fold gives the same predictions, and the members' mean
        // last-epoch loss is the same bit for bit (which a loop training only the first member would not give).
        TrainingConfig three = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optEmaDecay(0.9)
                .optInputCentring(InputCentring.ZERO_LEVEL).optEnsembleSize(3).build();
        EvaluationReport java = new EvaluationRunner(SMALL, three, 13).crossValidate(synthetic(), 2, 3);
        EvaluationReport nat = new EvaluationRunner(SMALL, three, 13).withNativeFolds(2, "cpu")
                .crossValidate(synthetic(), 2, 3);
        assertThat(nat.predictions()).isEqualTo(java.predictions());
        List<FlowDataset.Fold> folds = synthetic().subjectKFold(2, 3);
        Path plan = dir.resolve("plan.safetensors"), single = dir.resolve("single.safetensors");
        NativeFoldPlan.write(plan, SMALL, three, 13, synthetic(), folds, "cv-2");
        NativeFoldPlan.write(single, SMALL, three.toBuilder().optEnsembleSize(1).build(), 13, synthetic(), folds, "cv-2");
        List<NativeFoldPlan.FoldPredictions> members = NativeFoldPlan.run(plan, 1, "cpu", false);
        List<NativeFoldPlan.FoldPredictions> first = NativeFoldPlan.run(single, 1, "cpu", false);
        for (int f = 0; f < folds.size(); f++) {
            List<EvaluationReport.EpochPoint> curve = java.folds().get(f).curve();
            assertThat(members.get(f).lastEpochLoss()).isEqualTo(curve.get(curve.size() - 1).loss())
                    .isNotEqualTo(first.get(f).lastEpochLoss());
        }
    }

    @Test
    void nativeTrainingLossesEqualJavasBitForBit(@TempDir Path dir) {
        // Predictions of a short run can agree by luck; the last epoch's mean training loss cannot.
        TrainingConfig recipe = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optEmaDecay(0.9)
                .optMixupAlpha(0.4).optInputCentring(InputCentring.ZERO_LEVEL).build();
        List<FlowDataset.Fold> folds = synthetic().subjectKFold(2, 7);
        EvaluationReport java = new EvaluationRunner(SMALL, recipe, 9).crossValidate(synthetic(), 2, 7);
        Path plan = dir.resolve("plan.safetensors");
        NativeFoldPlan.write(plan, SMALL, recipe, 9, synthetic(), folds, "cv-2");
        List<NativeFoldPlan.FoldPredictions> nat = NativeFoldPlan.run(plan, 1, "cpu", false);
        for (int f = 0; f < folds.size(); f++) {
            List<EvaluationReport.EpochPoint> curve = java.folds().get(f).curve();
            assertThat(nat.get(f).lastEpochLoss()).isEqualTo(curve.get(curve.size() - 1).loss());
        }
    }

    @Test
    void uncentredInputsTravelWithTheirZeroLevels() {
        FlowDataset three = synthetic().subset(IntStream.range(0, synthetic().size())
                .filter(i -> synthetic().subjects().subList(0, 3).contains(synthetic().sample(i).subject())).toArray());
        TrainingConfig raw = TrainingConfig.builder().optEpochs(2).optInputCentring(InputCentring.NONE).build();
        EvaluationReport java = new EvaluationRunner(SMALL, raw, 11).loso(three);
        EvaluationReport nat = new EvaluationRunner(SMALL, raw, 11).withNativeFolds(2, "cpu").loso(three);
        assertThat(nat.predictions()).isEqualTo(java.predictions());
    }

    @Test
    void misuseIsRefused() {
        TrainingConfig one = TrainingConfig.builder().optEpochs(1).build();
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, one, 1).withNativeFolds(-1, "cpu"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers = -1");
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, one, 1).withNativeFolds(1, "cpu").withHeldOutCurve(true)
                .crossValidate(synthetic(), 2, 1)).hasMessageContaining("no held-out curve");
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, one, 1).withNativeFolds(2, "cpu", true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CUDA graphs of the training step need the native fold loop on a GPU");
        TrainingConfig sam = one.toBuilder().optSamRho(0.05).build();
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, sam, 1).withNativeFolds(2, "cuda", true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not support sharpness-aware steps (sam_rho = 0.05)");
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, one, 1).withNativeFolds(1, "tpu")
                .crossValidate(synthetic(), 2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown device 'tpu'");
    }
}
