package ai.merba.model;

import java.util.Arrays;

/**
 * One sample's prediction by the Dual-Granularity Classification Module: the coarse group and the fine class,
 * each with its index in the label scheme, its name and its probability, and both full distributions.
 *
 * <p>Fine probabilities are joint, P(fine) = P(its group) · P(fine | group), so they sum to 1 over all fine
 * classes and the coarse distribution is their sum per group.
 */
public record Prediction(
        int coarseIndex,
        String coarseLabel,
        double coarseProbability,
        int fineIndex,
        String fineLabel,
        double fineProbability,
        double[] coarseDistribution,
        double[] fineDistribution) {

    public Prediction {
        coarseDistribution = coarseDistribution.clone();
        fineDistribution = fineDistribution.clone();
    }

    @Override
    public double[] coarseDistribution() {
        return coarseDistribution.clone();
    }

    @Override
    public double[] fineDistribution() {
        return fineDistribution.clone();
    }

    @Override
    public String toString() {
        return String.format("Prediction[coarse=%s (%.3f), fine=%s (%.3f), coarse distribution=%s, fine distribution=%s]",
                coarseLabel, coarseProbability, fineLabel, fineProbability, Arrays.toString(coarseDistribution),
                Arrays.toString(fineDistribution));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p && coarseIndex == p.coarseIndex && fineIndex == p.fineIndex
                && Double.compare(coarseProbability, p.coarseProbability) == 0
                && Double.compare(fineProbability, p.fineProbability) == 0
                && coarseLabel.equals(p.coarseLabel) && fineLabel.equals(p.fineLabel)
                && Arrays.equals(coarseDistribution, p.coarseDistribution)
                && Arrays.equals(fineDistribution, p.fineDistribution);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(fineDistribution) + fineIndex;
    }
}
