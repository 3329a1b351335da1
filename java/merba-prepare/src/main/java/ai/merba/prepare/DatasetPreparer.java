package ai.merba.prepare;

import ai.merba.prepare.adapter.AdapterResult;
import ai.merba.prepare.adapter.AnnotatedSample;
import ai.merba.prepare.adapter.EmotionMapping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns an adapter's samples into a dataset MERba reads: one flow file per sample under {@code out/flows/},
 * {@code out/manifest.csv} (spec §6, with {@code emotion,onset,apex} as extra columns), the rejected rows in
 * {@code out/prepare-report.csv} and the flow settings in {@code out/flow-config.json}.
 *
 * <p>Samples run on {@code workers} threads, each with its own {@link FlowExtractor} (OpenCV's algorithm objects
 * are not thread-safe). The output does not depend on the number of workers or their timing: every file is a
 * function of its sample alone, and the manifest lists samples in sheet order.
 */
public final class DatasetPreparer {
    /** Called after each sample, from worker threads: samples done so far, and the total. */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total);
    }

    static final String MANIFEST = "manifest.csv";
    static final String REPORT = "prepare-report.csv";
    static final String CONFIG = "flow-config.json";

    private final FlowConfig config;
    private final int workers;
    private Progress progress = (done, total) -> {};

    public DatasetPreparer(FlowConfig config, int workers) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers = " + workers + " must be >= 1");
        }
        this.config = config;
        this.workers = workers;
    }

    /** Reports progress to {@code progress} (thread-safe calls, in completion order). */
    public DatasetPreparer withProgress(Progress progress) {
        this.progress = progress == null ? (done, total) -> {} : progress;
        return this;
    }

    /**
     * Prepares every sample of {@code annotations}, labelled through {@code mapping}, into {@code out}.
     *
     * @return the report; its manifest is {@code null} when no row could be used (nothing is written then but
     *     the report file)
     * @throws UncheckedIOException if an output file cannot be written (the run stops: the disk is the problem,
     *     not a row)
     */
    public PrepareReport prepare(AdapterResult annotations, EmotionMapping mapping, Path out) {
        List<RejectedRow> rejected = new ArrayList<>(annotations.rejected());
        List<Job> jobs = new ArrayList<>();
        Map<String, Integer> files = new HashMap<>();
        for (AnnotatedSample s : annotations.samples()) {
            Optional<String> label = mapping.classOf(s.emotion());
            String file = "flows/" + safe(s.subject()) + "/" + safe(s.sample()) + "." + config.format().extension();
            Integer clash = files.putIfAbsent(file, s.line());
            if (label.isEmpty()) {
                rejected.add(new RejectedRow(s.line(), s.subject(), s.sample(), "emotion '" + s.emotion()
                        + "' has no class in label scheme '" + mapping.scheme().name() + "'"));
            } else if (clash != null) {
                rejected.add(new RejectedRow(s.line(), s.subject(), s.sample(), "its flow file " + file
                        + " would overwrite that of line " + clash));
            } else {
                jobs.add(new Job(s, label.get(), file));
            }
        }
        int rows = annotations.samples().size() + annotations.rejected().size();
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve(CONFIG), config.toJson() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + out, e);
        }

        long start = System.nanoTime();
        AtomicLong sampleNanos = new AtomicLong();
        run(jobs, out, sampleNanos);
        double wall = (System.nanoTime() - start) / 1e9;

        List<Job> done = new ArrayList<>();
        for (Job j : jobs) {
            if (j.problem == null) {
                done.add(j);
            } else {
                AnnotatedSample s = j.sample;
                rejected.add(new RejectedRow(s.line(), s.subject(), s.sample(), j.problem));
            }
        }
        rejected.sort(Comparator.comparingInt(RejectedRow::line));
        Path manifest = done.isEmpty() ? null : out.resolve(MANIFEST);
        PrepareReport report = new PrepareReport(manifest, rows, done.size(), rejected, workers, wall,
                jobs.isEmpty() ? 0 : sampleNanos.get() / 1e9 / jobs.size());
        try {
            Files.writeString(out.resolve(REPORT), report.rejectedCsv(), StandardCharsets.UTF_8);
            if (manifest != null) {
                Files.writeString(manifest, manifestCsv(done), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + out, e);
        }
        return report;
    }

    /** Runs the jobs on the workers; a row's problem is kept on its job, an I/O failure stops everything. */
    private void run(List<Job> jobs, Path out, AtomicLong sampleNanos) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicReference<RuntimeException> fatal = new AtomicReference<>();
        Runnable worker = () -> {
            try (FlowExtractor extractor = new FlowExtractor(config)) {
                for (int i = next.getAndIncrement(); i < jobs.size() && fatal.get() == null;
                        i = next.getAndIncrement()) {
                    Job j = jobs.get(i);
                    long t0 = System.nanoTime();
                    try {
                        extractor.extract(j.sample.onsetFile(), j.sample.apexFile(), j.sample.box(),
                                out.resolve(j.file));
                    } catch (IllegalArgumentException e) {
                        j.problem = e.getMessage();
                    }
                    sampleNanos.addAndGet(System.nanoTime() - t0);
                    progress.update(finished.incrementAndGet(), jobs.size());
                }
            } catch (RuntimeException e) {
                fatal.compareAndSet(null, e);
            }
        };
        int n = Math.min(workers, Math.max(1, jobs.size()));
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            Thread t = new Thread(worker, "merba-prepare-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while preparing flows", e);
            }
        }
        if (fatal.get() != null) {
            throw fatal.get();
        }
    }

    private static String manifestCsv(List<Job> done) {
        StringBuilder s = new StringBuilder("dataset,subject,sample,label,file,emotion,onset,apex\n");
        for (Job j : done) {
            AnnotatedSample a = j.sample;
            s.append(PrepareReport.csv(a.dataset())).append(',').append(PrepareReport.csv(a.subject())).append(',')
                    .append(PrepareReport.csv(a.sample())).append(',').append(PrepareReport.csv(j.label)).append(',')
                    .append(PrepareReport.csv(j.file)).append(',').append(PrepareReport.csv(a.emotion())).append(',')
                    .append(a.onset()).append(',').append(a.apex()).append('\n');
        }
        return s.toString();
    }

    /** A file-name-safe form of an id: anything but letters, digits, '.', '-' and '_' becomes '_'. */
    static String safe(String id) {
        String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /** One sample to prepare; {@code problem} is set by its worker if it fails. */
    private static final class Job {
        final AnnotatedSample sample;
        final String label;
        final String file;
        volatile String problem;

        Job(AnnotatedSample sample, String label, String file) {
            this.sample = sample;
            this.label = label;
            this.file = file;
        }
    }
}
