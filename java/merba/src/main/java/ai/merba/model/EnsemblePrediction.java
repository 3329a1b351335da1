package ai.merba.model;

import static ai.merba.internal.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Combines the predictions of several models for one sample (an ensemble) into one prediction: the coarse and fine
 * distributions are averaged over the members, and the classes are then chosen by the same rule the
 * Dual-Granularity Classification Module applies to one model's distributions (spec §4):
 *
 * <ul>
 *   <li>{@link DgcmMode#HARD}: the coarse group with the largest mean probability, then the fine class of that group
 *       with the largest mean joint probability (the same as the largest mean probability within the group, which
 *       differs from it by one factor per group);
 *   <li>{@link DgcmMode#SOFT} and {@link DgcmMode#FLAT}: the fine class with the largest mean probability, and its
 *       group.
 * </ul>
 *
 * Averaging probabilities rather than logits keeps each member's calibration out of the vote (a member with larger
 * logits does not outvote the others). Ties go to the lower index, as in the native argmax. One member gives back its
 * own prediction; the distributions of several must be finite.
 */
public final class EnsemblePrediction {
    private EnsemblePrediction() {}

    /**
     * The ensemble's prediction from its members' predictions of one sample.
     *
     * @throws IllegalArgumentException for no members, members whose distributions do not fit {@code labels}, or
     *     non-finite distributions
     */
    public static Prediction combine(List<Prediction> members, LabelScheme labels, DgcmMode mode) {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(mode, "mode");
        checkArgument(!members.isEmpty(), "an ensemble needs at least one member's prediction");
        if (members.size() == 1) {
            return members.get(0);  // bit for bit what the model said, whatever rounding a recomputed argmax meets
        }
        int kc = labels.numCoarse(), kf = labels.numFine();
        double[] coarse = new double[kc], fine = new double[kf];
        for (Prediction p : members) {
            double[] pc = p.coarseDistribution(), pf = p.fineDistribution();
            checkArgument(pc.length == kc && pf.length == kf,
                    "a member's distributions have %s coarse and %s fine entries; the label scheme '%s' has %s and %s",
                    pc.length, pf.length, labels.name(), kc, kf);
            for (int c = 0; c < kc; c++) coarse[c] += pc[c];
            for (int f = 0; f < kf; f++) fine[f] += pf[f];
        }
        // A non-finite entry stays so in the sum: checking the sums covers every member.
        checkArgument(Arrays.stream(coarse).allMatch(Double::isFinite) && Arrays.stream(fine).allMatch(Double::isFinite),
                "a member's distributions are not finite: a diverged model cannot vote");
        for (int c = 0; c < kc; c++) coarse[c] /= members.size();
        for (int f = 0; f < kf; f++) fine[f] /= members.size();
        int[] group = labels.fineToCoarse();
        int c, f;
        if (mode == DgcmMode.HARD) {
            c = argmax(coarse, -1, group);
            f = argmax(fine, c, group);
        } else {
            f = argmax(fine, -1, group);
            c = group[f];
        }
        return new Prediction(c, labels.coarseGroups().get(c), coarse[c], f, labels.classes().get(f).name(), fine[f],
                coarse, fine);
    }

    /** The index of the largest value (the first on ties), among the fine classes of {@code inGroup} when >= 0. */
    private static int argmax(double[] values, int inGroup, int[] group) {
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if ((inGroup < 0 || group[i] == inGroup) && (best < 0 || values[i] > values[best])) {
                best = i;
            }
        }
        return best;
    }
}
