package ai.merba.eval;

import static ai.merba.internal.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * Counts of (truth, prediction) pairs over K classes: rows are the true class, columns the predicted one. The
 * one place predictions are tallied, so that every metric of a run is computed from the same counts.
 *
 * <p>Mutable through {@link #add}, and not thread-safe: fill one per thread and combine with {@link #plus}.
 */
public final class ConfusionMatrix {
    private final long[][] counts;

    /**
     * An empty K×K matrix.
     *
     * @throws IllegalArgumentException unless k ≥ 1
     */
    public ConfusionMatrix(int k) {
        checkArgument(k >= 1, "k = %s must be >= 1", k);
        this.counts = new long[k][k];
    }

    /**
     * A matrix holding {@code counts} (copied); rows are the truth.
     *
     * @throws IllegalArgumentException unless it is square, non-empty and non-negative
     */
    public static ConfusionMatrix of(long[][] counts) {
        checkArgument(counts != null && counts.length != 0, "counts must have at least one row");
        ConfusionMatrix m = new ConfusionMatrix(counts.length);
        for (int t = 0; t < counts.length; t++) {
            checkArgument(counts[t] != null && counts[t].length == counts.length, "counts[%s] must have %s entries",
                    t, counts.length);
            for (int p = 0; p < counts.length; p++) {
                checkArgument(counts[t][p] >= 0, "counts[%s][%s] = %s must be >= 0", t, p, counts[t][p]);
                m.counts[t][p] = counts[t][p];
            }
        }
        return m;
    }

    /** The number of classes K. */
    public int numClasses() {
        return counts.length;
    }

    /**
     * Counts one prediction.
     *
     * @throws IllegalArgumentException if either index is outside 0..K-1
     */
    public void add(int truth, int predicted) {
        checkClass(truth, "truth");
        checkClass(predicted, "predicted");
        counts[truth][predicted]++;
    }

    /** How often class {@code truth} was predicted as {@code predicted}. */
    public long count(int truth, int predicted) {
        checkClass(truth, "truth");
        checkClass(predicted, "predicted");
        return counts[truth][predicted];
    }

    /** N, all predictions counted. */
    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    /** ΣTP: the predictions on the diagonal. */
    public long correct() {
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            n += counts[c][c];
        }
        return n;
    }

    /** Acc = ΣTP / N, defined whenever anything was counted (unlike UF1/UAR); NaN for an empty matrix. */
    public double accuracy() {
        long n = total();
        return n == 0 ? Double.NaN : (double) correct() / n;
    }

    /** The samples whose true class is {@code truth} (row sum). */
    public long truthCount(int truth) {
        checkClass(truth, "truth");
        long n = 0;
        for (long c : counts[truth]) {
            n += c;
        }
        return n;
    }

    /** The predictions of class {@code predicted} (column sum). */
    public long predictedCount(int predicted) {
        checkClass(predicted, "predicted");
        long n = 0;
        for (long[] row : counts) {
            n += row[predicted];
        }
        return n;
    }

    /**
     * A new matrix with both matrices' counts, e.g. to pool folds.
     *
     * @throws IllegalArgumentException if the class counts differ
     */
    public ConfusionMatrix plus(ConfusionMatrix other) {
        checkArgument(other != null, "other must not be null");
        checkArgument(other.numClasses() == numClasses(), "other has %s classes, this has %s",
                other.numClasses(), numClasses());
        ConfusionMatrix sum = copy();
        for (int t = 0; t < counts.length; t++) {
            for (int p = 0; p < counts.length; p++) {
                sum.counts[t][p] += other.counts[t][p];
            }
        }
        return sum;
    }

    /** An independent copy. */
    public ConfusionMatrix copy() {
        return of(counts);
    }

    /** The counts, [truth][predicted] (a copy). */
    public long[][] counts() {
        long[][] out = new long[counts.length][];
        for (int t = 0; t < counts.length; t++) {
            out[t] = counts[t].clone();
        }
        return out;
    }

    private void checkClass(int c, String field) {
        checkArgument(c >= 0 && c < counts.length, "%s = %s is out of range 0..%s", field, c, (counts.length - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix && Arrays.deepEquals(counts, ((ConfusionMatrix) o).counts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(counts);
    }

    /** E.g. {@code ConfusionMatrix[[5, 1], [2, 4]]} (rows = truth). */
    @Override
    public String toString() {
        return "ConfusionMatrix" + Arrays.deepToString(counts);
    }
}
