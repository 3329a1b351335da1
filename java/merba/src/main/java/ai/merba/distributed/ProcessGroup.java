package ai.merba.distributed;

import ai.merba.internal.NativeCalls;
import ai.merba.presets.MerbaNative;
import ai.merba.presets.NativeProcessGroup;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's membership of a group of processes that train or evaluate together, over PyTorch's c10d (a TCP or
 * file store for the rendezvous and small messages, Gloo for the collectives). Give it to
 * {@link ai.merba.train.Trainer#optProcessGroup} for data-parallel training, or to
 * {@link ai.merba.eval.EvaluationRunner#withProcessGroup} to split folds across processes.
 *
 * <p>Close it when done: the native group (sockets, Gloo's threads) is released then, after any call in progress
 * on another thread has returned. On rank 0 closing also stops the store the others use, so rank 0 closes last: end
 * with {@link #barrier()} (the command-line tool and the fold fan-out do).
 *
 * <p>Failures of a peer (it exited, stalled past the timeout) surface as {@link ai.merba.MerbaNativeException}
 * whose message names this rank, the operation and c10d's reason.
 */
public final class ProcessGroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroup.class);

    private final Rendezvous rendezvous;
    // Native calls hold the read lock (several may run, e.g. a heartbeat beside the main thread); close() takes the
    // write lock, so the native group is never freed under a running call.
    private final ReentrantReadWriteLock lifetime = new ReentrantReadWriteLock();
    // c10d's store client takes one request at a time: store calls from several threads take turns.
    private final Object storeLock = new Object();
    private NativeProcessGroup handle;
    private String runId;
    private int exchanges;

    private ProcessGroup(Rendezvous rendezvous, NativeProcessGroup handle) {
        this.rendezvous = rendezvous;
        this.handle = handle;
    }

    /**
     * Joins the group: blocks until all {@code worldSize} processes have joined, or fails after the rendezvous
     * timeout.
     *
     * @throws IllegalArgumentException for a world of one (nothing to join: train without a group) or when this
     *     native library was built without c10d
     */
    public static ProcessGroup join(Rendezvous rendezvous) {
        Objects.requireNonNull(rendezvous, "rendezvous");
        if (rendezvous.isSingle()) {
            throw new IllegalArgumentException("a world of one process has no group to join; train without one");
        }
        if (!MerbaNative.c10dAvailable()) {
            throw new IllegalArgumentException("this build of the native library has no c10d (configured with "
                    + "-DMERBA_WITH_C10D=OFF): it cannot join " + rendezvous);
        }
        LOG.info("joining {}", rendezvous);
        NativeProcessGroup handle = NativeCalls.call(() -> new NativeProcessGroup(rendezvous.toNativeJson()));
        LOG.info("joined: {}", rendezvous);
        return new ProcessGroup(rendezvous, handle);
    }

    public int rank() {
        return rendezvous.rank();
    }

    public int worldSize() {
        return rendezvous.worldSize();
    }

    public Rendezvous rendezvous() {
        return rendezvous;
    }

    /** Returns once every rank has called it. */
    public void barrier() {
        withHandle(h -> {
            NativeCalls.run(h::barrier);
            return null;
        });
    }

    /** Stores a small text message under {@code key} in the group's store, for every rank to read. */
    public void publish(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        store(h -> {
            NativeCalls.run(() -> h.set(key, value));
            return null;
        });
    }

    /** Whether a message is stored under {@code key} (without waiting). */
    public boolean isPublished(String key) {
        Objects.requireNonNull(key, "key");
        return store(h -> NativeCalls.call(() -> h.has(key)));
    }

    /** The message under {@code key}, waiting up to the rendezvous timeout for it (other store calls wait too). */
    public String read(String key) {
        Objects.requireNonNull(key, "key");
        return store(h -> NativeCalls.call(() -> h.get(key)));
    }

    /**
     * A fresh key prefix for one exchange through the store (e.g. one cross-validation's folds): it names this run
     * (a random number rank 0 drew when the first exchange opened, so that a store file an earlier run left behind
     * cannot answer) and the exchange's place in it. Every rank must open its exchanges in the same order, as it
     * calls collectives in the same order; the first call is a collective.
     */
    public synchronized String newExchangePrefix(String name) {
        Objects.requireNonNull(name, "name");
        if (runId == null) {
            runId = Long.toHexString(withHandle(h -> NativeCalls.call(h::agreeOnRandomId)));
        }
        return "merba/" + runId + "/" + (exchanges++) + "/" + name + "/";
    }

    /** The native peer, for the other packages of this library (training); not for applications. */
    public NativeProcessGroup nativeHandle() {
        lifetime.readLock().lock();
        try {
            return open();
        } finally {
            lifetime.readLock().unlock();
        }
    }

    private <T> T store(Function<NativeProcessGroup, T> call) {
        return withHandle(h -> {
            synchronized (storeLock) {
                return call.apply(h);
            }
        });
    }

    private <T> T withHandle(Function<NativeProcessGroup, T> call) {
        lifetime.readLock().lock();
        try {
            return call.apply(open());
        } finally {
            lifetime.readLock().unlock();
        }
    }

    private NativeProcessGroup open() {
        if (handle == null) {
            throw new IllegalStateException("this ProcessGroup has been closed");
        }
        return handle;
    }

    /** Leaves the group and frees its native resources, once calls in progress have returned. Idempotent. */
    @Override
    public void close() {
        lifetime.writeLock().lock();
        try {
            if (handle != null) {
                handle.close();
                handle = null;
            }
        } finally {
            lifetime.writeLock().unlock();
        }
    }
}
