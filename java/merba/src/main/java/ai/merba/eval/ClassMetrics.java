package ai.merba.eval;

import static ai.merba.internal.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The metrics of spec §5 from one confusion matrix: Acc = ΣTP/N, UF1 = mean_k 2TP_k/(2TP_k+FP_k+FN_k),
 * UAR = mean_k TP_k/N_k. UF1 and UAR weigh every class equally, which is why the MER literature reports them
 * for its imbalanced classes; a class with no true samples would make both undefined, and skipping it would
 * quietly report a different metric, so {@link #of} rejects it instead.
 *
 * <p>The arrays are copied in and out, so the record is immutable.
 *
 * @param accuracy ΣTP/N
 * @param uf1 unweighted F1, the mean of {@code f1PerClass}
 * @param uar unweighted average recall, the mean of {@code recallPerClass}
 * @param f1PerClass 2TP_k/(2TP_k+FP_k+FN_k) by class index
 * @param recallPerClass TP_k/N_k by class index
 * @param samples N
 */
public record ClassMetrics(double accuracy, double uf1, double uar, double[] f1PerClass, double[] recallPerClass,
        long samples) {
    public ClassMetrics {
        Objects.requireNonNull(f1PerClass, "f1PerClass");
        Objects.requireNonNull(recallPerClass, "recallPerClass");
        checkArgument(f1PerClass.length == recallPerClass.length, "f1PerClass has %s entries but recallPerClass has %s",
                f1PerClass.length, recallPerClass.length);
        f1PerClass = f1PerClass.clone();
        recallPerClass = recallPerClass.clone();
    }

    /**
     * The metrics of {@code m}; {@code classNames} (by index) only serve the error messages.
     *
     * @throws IllegalArgumentException if the matrix is empty, the names do not match its size, or some class has
     *     no true samples (the message names every such class)
     */
    public static ClassMetrics of(ConfusionMatrix m, List<String> classNames) {
        undefinedReason(m, classNames).ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
        long n = m.total();
        int k = m.numClasses();
        double[] f1 = new double[k];
        double[] recall = new double[k];
        for (int c = 0; c < k; c++) {
            long tp = m.count(c, c);
            long truth = m.truthCount(c);
            long fn = truth - tp;
            long fp = m.predictedCount(c) - tp;
            // 2TP + FP + FN ≥ N_k > 0: never a division by zero.
            f1[c] = 2.0 * tp / (2.0 * tp + fp + fn);
            recall[c] = (double) tp / truth;
        }
        return new ClassMetrics(m.accuracy(), mean(f1), mean(recall), f1, recall, n);
    }

    /**
     * Why the metrics of {@code m} are undefined — an empty matrix, or classes without true samples (all named) —
     * or empty when {@link #of} can compute them.
     *
     * @throws IllegalArgumentException if the matrix is null or the names do not match its size
     */
    public static Optional<String> undefinedReason(ConfusionMatrix m, List<String> classNames) {
        checkArgument(m != null, "confusion matrix must not be null");
        checkArgument(classNames != null && classNames.size() == m.numClasses(),
                "classNames has %s entries but the confusion matrix has %s classes",
                (classNames == null ? 0 : classNames.size()), m.numClasses());
        if (m.total() == 0) {
            return Optional.of("the confusion matrix is empty: no predictions to score");
        }
        List<String> absent = new ArrayList<>();
        for (int c = 0; c < m.numClasses(); c++) {
            if (m.truthCount(c) == 0) {
                absent.add("'" + classNames.get(c) + "'");
            }
        }
        if (absent.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((absent.size() == 1 ? "class " : "classes ") + String.join(", ", absent)
                + (absent.size() == 1 ? " has" : " have") + " no samples in the truth: UF1/UAR undefined");
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** The number of classes. */
    public int numClasses() {
        return f1PerClass.length;
    }

    /** F1 of each class (a copy). */
    @Override
    public double[] f1PerClass() {
        return f1PerClass.clone();
    }

    /** Recall of each class (a copy). */
    @Override
    public double[] recallPerClass() {
        return recallPerClass.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ClassMetrics)) {
            return false;
        }
        ClassMetrics c = (ClassMetrics) o;
        return Double.compare(accuracy, c.accuracy) == 0
                && Double.compare(uf1, c.uf1) == 0
                && Double.compare(uar, c.uar) == 0
                && Arrays.equals(f1PerClass, c.f1PerClass)
                && Arrays.equals(recallPerClass, c.recallPerClass)
                && samples == c.samples;
    }

    @Override
    public int hashCode() {
        return Objects.hash(accuracy, uf1, uar, Arrays.hashCode(f1PerClass), Arrays.hashCode(recallPerClass), samples);
    }

    /** E.g. {@code ClassMetrics[acc 0.7670, uf1 0.7560, uar 0.7580, n 309]}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ClassMetrics[acc %.4f, uf1 %.4f, uar %.4f, n %d]", accuracy, uf1,
                uar, samples);
    }
}
