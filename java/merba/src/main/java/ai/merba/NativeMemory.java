package ai.merba;

import ai.merba.presets.MerbaNative;

/** Native memory figures of this process, for monitoring services and for leak tests. */
public final class NativeMemory {
    static {
        ai.merba.internal.LoggingSetup.ensure();  // before the first native library loads
    }

    private NativeMemory() {}

    /**
     * Bytes currently allocated through the C library's malloc (glibc's {@code mallinfo2}): where LibTorch keeps
     * CPU tensors and MERba its native objects. The Java heap is not included, so this number does not move
     * with Java garbage; steady growth under a steady workload is a native leak.
     */
    public static long mallocBytes() {
        return MerbaNative.nativeHeapBytes();
    }

    /** Resident memory of the whole process (Java heap included), from the operating system. */
    public static long residentBytes() {
        return org.bytedeco.javacpp.Pointer.physicalBytes();
    }
}
