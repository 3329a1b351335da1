package ai.merba.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static ai.merba.Fixtures.MEGC3;
import static ai.merba.Fixtures.SMALL;
import static ai.merba.Fixtures.synthetic;

import ai.merba.Fixtures;
import ai.merba.data.FlowDataset;
import ai.merba.model.MerbaModel;
import ai.merba.model.Prediction;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cross-validation and LOSO runs: folds, curves and the held-out curve, ensembles, reproducibility. */
class EvaluationRunnerTest {

    @Test
    void crossValidationReportsEveryFoldWithItsCurves() {
        TrainingConfig config = TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).optEmaDecay(0.9).build();
        EvaluationReport r = new EvaluationRunner(SMALL, config, 3).withHeldOutCurve(true).crossValidate(synthetic(), 3, 1);
        assertThat(r.protocol()).isEqualTo("cv-3");
        assertThat(r.folds()).hasSize(3);
        assertThat(r.predictions()).hasSize(synthetic().size());
        for (EvaluationReport.FoldResult f : r.folds()) {
            assertThat(f.curve()).extracting(EvaluationReport.EpochPoint::epoch).containsExactly(1, 2);
            assertThat(f.curve()).allMatch(EvaluationReport.EpochPoint::hasHeldOut);
            // The last held-out accuracy is the fold's final accuracy: the same weights predicted both.
            assertThat(f.curve().get(1).heldOutAccuracy()).isEqualTo(f.accuracy());
        }
        assertThat(r.heldOutCurve()).hasSize(2);
        assertThat(r.heldOutCurve().get(1).metrics()).isEqualTo(r.pooled());
        // The same seeds give the same report.
        EvaluationReport again = new EvaluationRunner(SMALL, config, 3).withHeldOutCurve(true).crossValidate(synthetic(), 3, 1);
        assertThat(again.predictions()).isEqualTo(r.predictions());
    }

    @Test
    void losoWithoutTrackingHasNoHeldOutCurve() {
        FlowDataset four = synthetic().subset(IntStream.range(0, synthetic().size())
                .filter(i -> synthetic().subjects().subList(0, 3).contains(synthetic().sample(i).subject())).toArray());
        EvaluationReport r = new EvaluationRunner(SMALL, TrainingConfig.builder().optEpochs(1).build(), 3).loso(four);
        assertThat(r.protocol()).isEqualTo("loso");
        assertThat(r.folds()).hasSize(3).allMatch(f -> f.subjects().size() == 1 && f.curve().size() == 1);
        assertThat(r.heldOutCurve()).isEmpty();
    }

    @Test
    void dataWithoutSomeClassIsRefusedBeforeTraining() {
        FlowDataset noSurprise = synthetic().subset(IntStream.range(0, synthetic().size())
                .filter(i -> synthetic().label(i) != 2).toArray());
        long start = System.nanoTime();
        assertThatThrownBy(() -> new EvaluationRunner(SMALL, TrainingConfig.builder().optEpochs(50).build(), 3)
                .loso(noSurprise)).hasMessageContaining("class 'surprise' has no samples");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }

    @Test
    void leaveOneDatasetOutTrainsOneFoldPerDataset(@TempDir Path dir) throws IOException {
        // The synthetic subjects split into two datasets: odd-numbered ones in "a", the others in "b".
        Path source = Path.of(System.getProperty("merba.testData", "../../test-data"), "synthetic", "manifest.csv");
        FlowDataset two = Fixtures.withDatasets(source, f -> Integer.parseInt(f[1].substring(3)) % 2 == 1 ? "a" : "b",
                dir.resolve("two.csv"));
        EvaluationRunner runner = new EvaluationRunner(SMALL, TrainingConfig.builder().optEpochs(1).build(), 3);
        EvaluationReport r = runner.leaveOneDatasetOut(two);
        assertThat(r.protocol()).isEqualTo(EvaluationReport.LODO);
        assertThat(r.folds()).hasSize(2);
        assertThat(r.folds().get(0).subjects()).containsExactly("sub01", "sub03", "sub05", "sub07");
        assertThat(r.datasets()).extracting(EvaluationReport.DatasetResult::dataset).containsExactlyInAnyOrder("a", "b");
        assertThat(r.predictions()).hasSize(two.size())
                .allMatch(p -> p.fold() == (p.dataset().equals("a") ? 0 : 1));
        // The plan of the same folds, for the native loop, predicts what the Java loop predicted.
        Path plan = dir.resolve("plan.safetensors");
        runner.exportLeaveOneDatasetOut(two, plan);
        List<NativeFoldPlan.FoldPredictions> nat = NativeFoldPlan.run(plan, 1, "cpu", false);
        assertThat(nat).hasSize(2);
        for (int f = 0; f < 2; f++) {
            int fold = f;
            assertThat(nat.get(f).predicted()).containsExactly(r.predictions().stream()
                    .filter(p -> p.fold() == fold).mapToInt(PredictionRecord::predicted).toArray());
        }
    }

    @Test
    void anEnsemblePredictsTheArgmaxOfItsMembersMeanDistribution() {
        TrainingConfig one = TrainingConfig.builder().optEpochs(1).optWarmupEpochs(1).build();
        TrainingConfig two = one.toBuilder().optEnsembleSize(2).build();
        EvaluationReport single = new EvaluationRunner(SMALL, one, 3).crossValidate(synthetic(), 3, 1);
        EvaluationReport ensemble = new EvaluationRunner(SMALL, two, 3).withHeldOutCurve(true)
                .crossValidate(synthetic(), 3, 1);
        assertThat(ensemble.trainingConfigJson().orElseThrow()).contains("\"ensemble_size\":2");
        List<Integer> expected = new ArrayList<>(), firstMember = new ArrayList<>();
        int disagreements = 0;
        for (FlowDataset.Fold fold : synthetic().subjectKFold(3, 1)) {
            // Each member trained by hand, from the seed the runner documents for it.
            List<List<Prediction>> members = new ArrayList<>();
            for (int m = 0; m < 2; m++) {
                long seed = TrainingConfig.memberSeed(NativeFoldPlan.foldSeed(3, fold.index()), m);
                try (MerbaModel model = MerbaModel.create(SMALL, MEGC3, seed)) {
                    new Trainer(model, one, seed).fit(fold.train(), null);
                    members.add(Trainer.predict(model, fold.test(), one.batchSize()));
                }
            }
            for (int i = 0; i < fold.test().size(); i++) {
                double[] a = members.get(0).get(i).fineDistribution(), b = members.get(1).get(i).fineDistribution();
                int best = 0;
                for (int k = 1; k < a.length; k++) {
                    if (a[k] + b[k] > a[best] + b[best]) {
                        best = k;
                    }
                }
                expected.add(best);
                firstMember.add(members.get(0).get(i).fineIndex());
                disagreements += members.get(0).get(i).fineIndex() != members.get(1).get(i).fineIndex() ? 1 : 0;
            }
        }
        assertThat(disagreements).as("members that always agree would not test the average").isPositive();
        assertThat(ensemble.predictions()).extracting(PredictionRecord::predicted).containsExactlyElementsOf(expected);
        // The first member is the model a one-model run trains.
        assertThat(single.predictions()).extracting(PredictionRecord::predicted).containsExactlyElementsOf(firstMember);
        // The held-out curve follows the ensemble too: its last point is the report.
        assertThat(ensemble.heldOutCurve().get(0).metrics()).isEqualTo(ensemble.pooled());
    }
}
