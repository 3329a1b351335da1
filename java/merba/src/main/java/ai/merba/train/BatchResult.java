package ai.merba.train;

/** One optimiser step: the batch's mean loss (before the update), its correct predictions, and timing. */
public record BatchResult(int epoch, int batch, int batchesPerEpoch, double loss, int correct, int samples,
        double learningRate, double gradNorm, long stepNanos) {
    public double accuracy() {
        return samples == 0 ? 0 : (double) correct / samples;
    }
}
