package ai.merba.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Splits the subjects of a dataset into k groups for subject-grouped cross-validation (what scikit-learn's
 * {@code StratifiedGroupKFold} does): a subject's samples never straddle two groups, and each group gets about
 * a k-th of every stratum — here a (dataset, class) pair, so that a composite's parts and classes are both
 * spread over the folds.
 *
 * <p>Greedy, largest subjects first: subjects are shuffled with the seed, stably sorted by sample count
 * (descending), the first k seed one group each, and every other subject joins the group where the strata's
 * shares are most even afterwards (the smallest sum over strata of the variance, across groups, of the
 * fraction of the stratum each group holds); ties go to the smaller group, then the lower index.
 */
public final class SubjectFolds {
    private SubjectFolds() {}

    /** k groups of subject ids; within a group, subjects in order of first appearance in {@code data}. */
    public static List<List<String>> stratified(FlowDataset data, int k, long seed) {
        List<String> subjects = data.subjects();
        if (k < 2 || k > subjects.size()) {
            throw new IllegalArgumentException("k = " + k + " folds must be in 2.." + subjects.size()
                    + " (the number of subjects)");
        }
        Map<String, Integer> strata = new LinkedHashMap<>();
        Map<String, Integer> subjectIndex = new LinkedHashMap<>();
        for (int i = 0; i < subjects.size(); i++) {
            subjectIndex.put(subjects.get(i), i);
        }
        for (int i = 0; i < data.size(); i++) {
            strata.putIfAbsent(stratum(data.sample(i)), strata.size());
        }
        double[][] counts = new double[subjects.size()][strata.size()];
        double[] totals = new double[strata.size()];
        for (int i = 0; i < data.size(); i++) {
            Sample s = data.sample(i);
            int st = strata.get(stratum(s));
            counts[subjectIndex.get(s.subject())][st]++;
            totals[st]++;
        }

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < subjects.size(); i++) {
            order.add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        order.sort(Comparator.comparingDouble((Integer s) -> -sum(counts[s])));

        double[][] groupCounts = new double[k][strata.size()];
        double[] groupSizes = new double[k];
        int[] groupOf = new int[subjects.size()];
        for (int n = 0; n < order.size(); n++) {
            int s = order.get(n);
            int best = n < k ? n : bestGroup(groupCounts, groupSizes, totals, counts[s]);
            groupOf[s] = best;
            groupSizes[best] += sum(counts[s]);
            for (int st = 0; st < totals.length; st++) {
                groupCounts[best][st] += counts[s][st];
            }
        }
        List<List<String>> groups = new ArrayList<>();
        for (int g = 0; g < k; g++) {
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < subjects.size(); i++) {
            groups.get(groupOf[i]).add(subjects.get(i));
        }
        return groups.stream().map(List::copyOf).toList();
    }

    /** The group where the strata are most even once {@code add} joins it; ties: the smaller, then the first. */
    private static int bestGroup(double[][] groupCounts, double[] groupSizes, double[] totals, double[] add) {
        int best = 0;
        double bestCost = costIfAdded(groupCounts, totals, add, 0);
        for (int g = 1; g < groupCounts.length; g++) {
            double cost = costIfAdded(groupCounts, totals, add, g);
            boolean tie = Math.abs(cost - bestCost) <= 1e-12;
            if ((!tie && cost < bestCost) || (tie && groupSizes[g] < groupSizes[best])) {
                best = g;
                bestCost = cost;
            }
        }
        return best;
    }

    private static String stratum(Sample s) {
        return s.dataset() + "\u0000" + s.label();
    }

    /** Σ over strata of the variance across groups of the share each group holds, with {@code add} in group g. */
    private static double costIfAdded(double[][] groupCounts, double[] totals, double[] add, int g) {
        int k = groupCounts.length;
        double cost = 0;
        for (int st = 0; st < totals.length; st++) {
            double mean = 0, squares = 0;
            for (int h = 0; h < k; h++) {
                double share = (groupCounts[h][st] + (h == g ? add[st] : 0)) / totals[st];
                mean += share;
                squares += share * share;
            }
            mean /= k;
            cost += squares / k - mean * mean;
        }
        return cost;
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }
}
