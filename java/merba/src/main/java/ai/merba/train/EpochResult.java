package ai.merba.train;

/**
 * One epoch of training: sample-weighted mean loss and accuracy (of the augmented training batches), the last
 * learning rate, throughput and the P50/P90 optimiser-step time.
 */
public record EpochResult(int epoch, int epochs, double loss, double accuracy, double learningRate,
        double samplesPerSecond, double p50StepMillis, double p90StepMillis, long samples) {}
