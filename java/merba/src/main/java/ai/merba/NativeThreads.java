package ai.merba;

import static ai.merba.internal.Preconditions.checkArgument;

import org.bytedeco.pytorch.global.torch;

/**
 * The number of threads LibTorch's native operations use in this process (intra-op parallelism: the training
 * step's data-parallel shards, the stages' window chunks, matrix products). One rule for every entry point: a
 * count between 1 and {@link #MAX}. An absurd count (10 000) would make OpenMP try to start that many threads and
 * can bring the whole JVM down, so it is refused before it reaches the native side.
 */
public final class NativeThreads {
    static {
        ai.merba.internal.LoggingSetup.ensure();  // before the first native library loads
    }

    /** The largest count accepted; far above any machine this library trains on. */
    public static final int MAX = 256;

    private NativeThreads() {}

    /**
     * Sets the count for the whole process.
     *
     * @throws IllegalArgumentException unless 1 ≤ threads ≤ {@link #MAX}; the message names {@code what} (e.g. an
     *     option's name)
     */
    public static void set(int threads, String what) {
        checkArgument(threads >= 1 && threads <= MAX, "%s = %s must be in 1..%s", what, threads, MAX);
        torch.set_num_threads(threads);
    }

    /** The current count. */
    public static int get() {
        return torch.get_num_threads();
    }
}
