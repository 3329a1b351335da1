package ai.merba.distributed;

import ai.merba.Fixtures;
import ai.merba.NativeThreads;
import ai.merba.eval.EvaluationReportJson;
import ai.merba.eval.EvaluationRunner;
import ai.merba.model.MerbaModel;
import ai.merba.train.BatchResult;
import ai.merba.train.Trainer;
import ai.merba.train.TrainingConfig;
import ai.merba.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One process of the multi-process tests ({@link MultiProcessTest}), started in its own JVM:
 * {@code DistributedWorker MODE RANK WORLD PORT OUT} with MODE
 * <ul>
 *   <li>{@code train}: data-parallel training ({@link #trainingRun}); writes the global batch losses to OUT and, on
 *       rank 0, the checkpoint OUT.safetensors;
 *   <li>{@code cv}: a fan-out cross-validation ({@link #evaluationRun}); writes its report's JSON to OUT;
 *   <li>{@code cv-die}: the same, but rank 1 halts (as a crash would) in its first fold.
 * </ul>
 * One native thread per process. An error: its message on stderr, exit status 2.
 */
public final class DistributedWorker {
    /**
     * With the spec's flips and shifts (drawn for the global batch on every rank) but without mixup or drop path,
     * whose draws stay within a rank's share: so a data-parallel step is the step of one process on the combined
     * batch. Balanced class weights make the ranks' shares weigh differently.
     */
    static final TrainingConfig TRAINING = TrainingConfig.builder().optEpochs(2).optBatchSize(16).optWarmupEpochs(1)
            .optEmaDecay(0.9).optClassWeighting(TrainingConfig.ClassWeighting.BALANCED).build();
    static final ai.merba.model.ModelConfig MODEL = Fixtures.SMALL.toBuilder().optDropPath(0).build();
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private DistributedWorker() {}

    /** Trains {@link Fixtures#SMALL} on the synthetic data: each global batch's loss, in order. */
    static List<Double> trainingRun(ProcessGroup group, Path checkpoint) throws Exception {
        List<Double> losses = new ArrayList<>();
        try (MerbaModel model = MerbaModel.create(MODEL, Fixtures.MEGC3, 5)) {
            Trainer trainer = new Trainer(model, TRAINING, 5).optProcessGroup(group)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onBatchEnd(Trainer t, BatchResult batch) {
                            losses.add(batch.loss());
                            losses.add((double) batch.samples());
                        }
                    });
            trainer.fit(Fixtures.synthetic(), null);
            if (checkpoint != null) {
                trainer.saveCheckpoint(checkpoint);
            }
        }
        return losses;
    }

    static EvaluationRunner evaluationRun() {
        return new EvaluationRunner(Fixtures.SMALL, TrainingConfig.builder().optEpochs(2).optWarmupEpochs(1).build(), 7)
                .withHeldOutCurve(true);
    }

    public static void main(String[] args) {
        try {
            String mode = args[0];
            int rank = Integer.parseInt(args[1]), world = Integer.parseInt(args[2]), port = Integer.parseInt(args[3]);
            Path out = Path.of(args[4]);
            NativeThreads.set(1, "worker threads");
            Rendezvous rendezvous = Rendezvous.builder().rank(rank).worldSize(world).masterPort(port)
                    .timeout(TIMEOUT).build();
            try (ProcessGroup group = ProcessGroup.join(rendezvous)) {
                switch (mode) {
                    case "train" -> {
                        List<Double> losses = trainingRun(group, Path.of(out + ".safetensors"));
                        Files.writeString(out, losses.toString());
                    }
                    case "cv", "cv-die" -> {
                        EvaluationRunner runner = evaluationRun().withProcessGroup(group);
                        if (mode.equals("cv-die") && rank == 1) {
                            runner.withListeners(fold -> List.of(new TrainingListener() {
                                @Override
                                public void onEpochBegin(Trainer t, int epoch) {
                                    if (epoch == 2) {
                                        Runtime.getRuntime().halt(3);
                                    }
                                }
                            }));
                        }
                        Files.writeString(out, EvaluationReportJson.write(runner.crossValidate(Fixtures.synthetic(), 3, 1)));
                    }
                    default -> throw new IllegalArgumentException("unknown mode " + mode);
                }
                group.barrier();
            }
            System.exit(0);
        } catch (Throwable e) {
            System.err.println(e);
            System.exit(2);
        }
    }
}
