package ai.merba.eval;

import ai.merba.distributed.ProcessGroup;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Splits an evaluation's folds across the ranks of a process group and gathers their outcomes through the group's
 * store: the fold at position {@code p} runs on rank {@code p mod worldSize}; every rank publishes each outcome as
 * it finishes and then reads the others', so every rank ends with all of them.
 *
 * <p>A rank that fails publishes its error, and the others fail with it. A rank that dies is noticed by its silence:
 * each rank publishes a heartbeat, and a rank waiting for a fold whose owner's heartbeat has not changed for the
 * rendezvous timeout fails, naming that rank, instead of hanging. {@link #close} ends with a barrier, so that rank 0,
 * which serves the store, stays until every rank has read what it needs.
 */
final class FoldFanOut implements AutoCloseable {
    // Folds take minutes: a quarter second of polling latency costs nothing and spares a file store on NFS.
    private static final long POLL_MILLIS = 250;
    private final ProcessGroup group;
    private final String prefix;
    private final Duration silence;
    private final Thread heartbeat;
    private volatile boolean closed;

    FoldFanOut(ProcessGroup group, String protocol) {
        this.group = Objects.requireNonNull(group, "group");
        this.prefix = group.newExchangePrefix("folds-" + protocol);
        this.silence = group.rendezvous().timeout();
        long period = Math.max(100, Math.min(2_000, silence.toMillis() / 10));
        this.heartbeat = new Thread(() -> {
            long beat = 0;
            while (!closed) {
                try {
                    group.publish(prefix + "alive/" + group.rank(), Long.toString(beat++));
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    return;  // the store is gone: the main thread's next call reports it
                }
            }
        }, "merba-fold-heartbeat-" + group.rank());
        heartbeat.setDaemon(true);
        heartbeat.start();
    }

    boolean runsHere(int position) {
        return owner(position) == group.rank();
    }

    private int owner(int position) {
        return position % group.worldSize();
    }

    void publish(int position, FoldOutcome outcome) {
        group.publish(prefix + "fold/" + position, outcome.toJson());
    }

    /** Fails when another rank has published a failure: called between this rank's folds, so none waits long. */
    void checkPeers() {
        for (int r = 0; r < group.worldSize(); r++) {
            String failed = prefix + "failed/" + r;
            if (r != group.rank() && group.isPublished(failed)) {
                throw new IllegalStateException(String.format(Locale.ROOT, "rank %d failed: %s", r, group.read(failed)));
            }
        }
    }

    /**
     * Tells the other ranks that this one failed, so that they fail too instead of waiting. Rank 0 serves the store:
     * it stays a little (a few polls and heartbeats) so that the others read its message before the store goes.
     */
    void publishFailure(Throwable error) {
        try {
            group.publish(prefix + "failed/" + group.rank(), String.valueOf(error));
            if (group.rank() == 0) {
                Thread.sleep(Math.min(silence.toMillis(), 4 * POLL_MILLIS + 2_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException ignored) {
            // the store is gone as well; the others notice the silence
        }
    }

    /** The outcome of the fold at {@code position}, run by its owner; waits while the owner is alive. */
    FoldOutcome await(int position) {
        int owner = owner(position);
        String key = prefix + "fold/" + position, alive = prefix + "alive/" + owner, failed = prefix + "failed/" + owner;
        String lastBeat = null;
        long lastChange = System.nanoTime();
        while (true) {
            if (group.isPublished(key)) {
                return FoldOutcome.fromJson(group.read(key));
            }
            if (group.isPublished(failed)) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "rank %d failed before finishing fold %d: %s", owner, position + 1, group.read(failed)));
            }
            String beat = group.isPublished(alive) ? group.read(alive) : null;
            if (!Objects.equals(beat, lastBeat)) {
                lastBeat = beat;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > silence.toNanos()) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "rank %d has been silent for %d s (no heartbeat) and has not published fold %d: it has "
                                + "probably died; this rank (%d) gives up", owner, silence.toSeconds(), position + 1,
                        group.rank()));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for fold " + (position + 1), e);
            }
        }
    }

    /** Stops the heartbeat; after a complete exchange, waits for every rank (see the class comment). */
    void finish() {
        stopHeartbeat();
        group.barrier();
    }

    private void stopHeartbeat() {
        closed = true;
        heartbeat.interrupt();
        try {
            heartbeat.join();  // a beat in progress ends within the store's timeout; the group must outlive it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopHeartbeat();
    }
}
