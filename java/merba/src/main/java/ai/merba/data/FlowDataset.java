package ai.merba.data;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.model.InputCentring;
import ai.merba.model.LabelScheme;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The samples of a {@link Manifest} with their flows decoded once and kept in memory: the composite's 309
 * samples of 3×28×28 take under 4 MB, and training reads every sample every epoch of every LOSO fold, so
 * decoding again would dominate. Subsets and folds share the decoded arrays rather than copy them.
 *
 * <p>{@link #features(int)} is the network's input for a sample under the dataset's {@link InputCentring}
 * (the values as stored for {@code NONE}, the centred flow for {@code ZERO_LEVEL}, centred and scaled for
 * {@code ZERO_LEVEL_SCALED}: {@link #withCentring}), and
 * {@link #zeroLevel(int)} is where "no motion" lies in those features, which the augmentation needs.
 *
 * <p>Immutable as long as nobody writes into the arrays {@link #features(int)} returns.
 */
public final class FlowDataset {
    /**
     * One subject-wise fold: leave-one-subject-out, or one group of a subject-grouped k-fold split.
     *
     * @param index 0-based, in the order of the groups (for leave-one-subject-out, of {@link FlowDataset#subjects()})
     * @param heldOutSubjects the subjects whose samples form {@code test}
     * @param train every other sample, in dataset order
     * @param test the held-out subjects' samples, in dataset order
     */
    public record Fold(int index, List<String> heldOutSubjects, FlowDataset train, FlowDataset test) {
        public Fold {
            heldOutSubjects = List.copyOf(heldOutSubjects);
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(test, "test");
        }

        /** The held-out subjects joined with '+', e.g. {@code s01} for a LOSO fold. */
        public String heldOutSubject() {
            return String.join("+", heldOutSubjects);
        }
    }

    private final LabelScheme labels;
    private final int channels;
    private final int inputSize;
    private final Sample[] samples;
    private final DecodedFlow[] flows;
    private final InputCentring centring;
    private final float[][] features;

    private FlowDataset(LabelScheme labels, int channels, int inputSize, Sample[] samples, DecodedFlow[] flows,
            InputCentring centring, float[][] features) {
        this.labels = labels;
        this.channels = channels;
        this.inputSize = inputSize;
        this.samples = samples;
        this.flows = flows;
        this.centring = centring;
        this.features = features;
    }

    /** The samples of {@code manifest}, with the flows it decoded while checking its rows. */
    public static FlowDataset load(Manifest manifest) {
        checkArgument(manifest != null, "manifest must not be null");
        Sample[] samples = manifest.samples().toArray(new Sample[0]);
        DecodedFlow[] flows = new DecodedFlow[samples.length];
        float[][] features = new float[samples.length][];
        for (int i = 0; i < samples.length; i++) {
            flows[i] = manifest.decoded(i);
            features[i] = flows[i].values();
        }
        return new FlowDataset(manifest.labels(), manifest.channels(), manifest.inputSize(), samples, flows,
                InputCentring.NONE, features);
    }

    /**
     * These samples with features under {@code centring} (this dataset itself when it already has it). Centred
     * features are computed once here and shared by the new dataset's subsets and folds.
     */
    public FlowDataset withCentring(InputCentring centring) {
        Objects.requireNonNull(centring, "centring");
        if (centring == this.centring) {
            return this;
        }
        float[][] f = new float[flows.length][];
        for (int i = 0; i < flows.length; i++) {
            f[i] = flows[i].input(centring);
        }
        return new FlowDataset(labels, channels, inputSize, samples, flows, centring, f);
    }

    /** How {@link #features(int)} was made from the decoded flows. */
    public InputCentring centring() {
        return centring;
    }

    /** Sample {@code i}'s decoded flow as stored, with its encoding and zero levels. */
    public DecodedFlow flow(int i) {
        return flows[Objects.checkIndex(i, samples.length)];
    }

    /** Where "no motion" lies in each channel of {@link #features(int)}: 0 everywhere once centred. */
    public float[] zeroLevel(int i) {
        return flow(i).inputZeroLevel(centring);
    }

    /** The number of samples. */
    public int size() {
        return samples.length;
    }

    /** Sample {@code i}'s manifest row. */
    public Sample sample(int i) {
        return samples[Objects.checkIndex(i, samples.length)];
    }

    /**
     * Sample {@code i}'s network input, channel-major (C, H, W): the decoded values ({@link FlowDecoder#decode})
     * under this dataset's {@link #centring()}. This is the cached array itself, shared with every subset and
     * fold: read it, copy it, never modify it.
     */
    public float[] features(int i) {
        return features[Objects.checkIndex(i, samples.length)];
    }

    /** Sample {@code i}'s fine class index. */
    public int label(int i) {
        return sample(i).label();
    }

    /** Channels C of every sample. */
    public int channels() {
        return channels;
    }

    /** Height = width of every sample. */
    public int inputSize() {
        return inputSize;
    }

    /** The label scheme the labels index. */
    public LabelScheme labels() {
        return labels;
    }

    /**
     * The samples at {@code indices}, in that order, sharing this dataset's decoded arrays. Indices may repeat
     * (e.g. for oversampling); an empty array gives an empty dataset.
     *
     * @throws IllegalArgumentException naming the first index out of range
     */
    public FlowDataset subset(int[] indices) {
        if (indices == null) {
            throw new IllegalArgumentException("indices must not be null");
        }
        Sample[] s = new Sample[indices.length];
        DecodedFlow[] d = new DecodedFlow[indices.length];
        float[][] f = new float[indices.length][];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            checkArgument(i >= 0 && i < samples.length, "indices[%s] = %s is out of range 0..%s",
                    k, i, (samples.length - 1));
            s[k] = samples[i];
            d[k] = flows[i];
            f[k] = features[i];
        }
        return new FlowDataset(labels, channels, inputSize, s, d, centring, f);
    }

    /**
     * The distinct subject ids in order of first appearance. A subject is its id string as written in the
     * manifest, not the (dataset, subject) pair: composite manifests use ids unique across datasets (s01…,
     * sub01…), and an id shared by two datasets is one subject here, held out together.
     */
    public List<String> subjects() {
        LinkedHashSet<String> set = new LinkedHashSet<>();
        for (Sample s : samples) {
            set.add(s.subject());
        }
        return List.copyOf(set);
    }

    /** The number of samples of each fine class, indexed like the label scheme. */
    public int[] classCounts() {
        int[] counts = new int[labels.numFine()];
        for (Sample s : samples) {
            counts[s.label()]++;
        }
        return counts;
    }

    /**
     * Leave-one-subject-out (spec §5): one fold per subject of {@link #subjects()}, in that order, testing on that
     * subject's samples and training on all others. Every sample is in the test set of exactly one fold.
     *
     * @throws IllegalArgumentException with fewer than two subjects, where some fold would have nothing to train on
     */
    public List<Fold> leaveOneSubjectOut() {
        List<String> subjects = subjects();
        checkArgument(subjects.size() >= 2, "leave-one-subject-out needs at least two subjects, the dataset has %s",
                subjects.size());
        List<List<String>> groups = new ArrayList<>();
        for (String s : subjects) {
            groups.add(List.of(s));
        }
        return folds(groups);
    }

    /**
     * Subject-grouped k-fold cross-validation: the subjects are split into {@code k} groups (a subject's samples
     * all in one group), balancing per group the number of samples of each (dataset, class) pair as far as whole
     * subjects allow ({@link SubjectFolds}), with ties broken by {@code seed}; fold i tests on group i and trains on
     * the others. Every sample is in the test set of exactly one fold.
     *
     * @throws IllegalArgumentException unless 2 ≤ k ≤ the number of subjects
     */
    public List<Fold> subjectKFold(int k, long seed) {
        return folds(SubjectFolds.stratified(this, k, seed));
    }

    /**
     * Leave-one-dataset-out, the cross-database protocol: one fold per source dataset (the manifest's
     * {@code dataset} column, in order of first appearance), testing on all of its samples and training on the other
     * datasets'. It measures what subject-wise folds cannot: how a model trained on some databases does on another
     * one (its camera, frame rate, annotators and flow statistics).
     *
     * @throws IllegalArgumentException with fewer than two datasets, or when a subject id occurs in two datasets (a
     *     fold could not hold the subject out of one and keep it in the other)
     */
    public List<Fold> leaveOneDatasetOut() {
        Map<String, List<String>> byDataset = new LinkedHashMap<>();
        Map<String, String> datasetOf = new HashMap<>();
        for (Sample s : samples) {
            String previous = datasetOf.putIfAbsent(s.subject(), s.dataset());
            checkArgument(previous == null || previous.equals(s.dataset()),
                    "subject '%s' occurs in datasets '%s' and '%s': leave-one-dataset-out needs subject ids unique "
                            + "to a dataset", s.subject(), previous, s.dataset());
            List<String> subjects = byDataset.computeIfAbsent(s.dataset(), d -> new ArrayList<>());
            if (previous == null) {
                subjects.add(s.subject());
            }
        }
        checkArgument(byDataset.size() >= 2, "leave-one-dataset-out needs at least two datasets, the data has %s",
                byDataset.keySet());
        return folds(new ArrayList<>(byDataset.values()));
    }

    /** One fold per group of subjects, in the given order. */
    List<Fold> folds(List<List<String>> groups) {
        List<Fold> folds = new ArrayList<>(groups.size());
        for (int k = 0; k < groups.size(); k++) {
            java.util.Set<String> held = new java.util.HashSet<>(groups.get(k));
            int[] test = IntStream.range(0, samples.length).filter(i -> held.contains(samples[i].subject())).toArray();
            int[] train = IntStream.range(0, samples.length).filter(i -> !held.contains(samples[i].subject())).toArray();
            folds.add(new Fold(k, groups.get(k), subset(train), subset(test)));
        }
        return folds;
    }

    /** E.g. {@code FlowDataset[309 samples, 40 subjects, 3×28×28, megc-3 counts [158, 83, 68]]}. */
    @Override
    public String toString() {
        return "FlowDataset[" + samples.length + " samples, " + subjects().size() + " subjects, " + channels + "×"
                + inputSize + "×" + inputSize + ", " + labels.name() + " counts " + Arrays.toString(classCounts())
                + "]";
    }
}
