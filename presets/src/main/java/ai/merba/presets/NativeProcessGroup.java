package ai.merba.presets;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;

/**
 * JavaCPP peer of {@code merba::jni::ProcessGroupHandle} ({@code native/jni/process_group_handle.h}): this process's
 * membership of a c10d process group. Declarations only; use {@code ai.merba.distributed.ProcessGroup}.
 */
@Properties(inherit = MerbaPresets.class)
@Name("merba::jni::ProcessGroupHandle")
public class NativeProcessGroup extends Pointer {
    static {
        MerbaNative.load();
    }

    /** Joins the group the rendezvous document describes; blocks until every rank has joined. */
    public NativeProcessGroup(String rendezvousJson) {
        super((Pointer) null);
        allocate(rendezvousJson);
    }

    private native void allocate(@StdString String rendezvousJson);

    public native @Cast("long long") long rank();

    @Name("world_size")
    public native @Cast("long long") long worldSize();

    public native void barrier();

    /** Rank 0's random number, received by every rank (a collective: every rank calls it). */
    @Name("agree_on_random_id")
    public native @Cast("long long") long agreeOnRandomId();

    /** Stores a small message under {@code key} in the rendezvous store. */
    public native void set(@StdString String key, @StdString String value);

    /** The message under {@code key}, waiting for it up to the rendezvous timeout. */
    public native @StdString String get(@StdString String key);

    /** Whether a message is stored under {@code key}, without waiting. */
    public native @Cast("bool") boolean has(@StdString String key);
}
