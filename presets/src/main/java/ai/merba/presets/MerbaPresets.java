package ai.merba.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * The native build settings shared by every peer class of the {@code jnimerba} library (JavaCPP's
 * {@code @Properties(inherit = …)} pattern). Not loaded by itself.
 */
@Properties(value = @Platform(
        compiler = "cpp20",
        include = {"jni/merba_jni.h", "jni/model_handle.h", "jni/process_group_handle.h", "jni/train_handle.h"},
        // merba_core is a static archive linked into the JNI library; LibTorch's shared libraries and OpenMP
        // runtime are loaded from the org.bytedeco:pytorch jar by the torch preset, which is loaded first.
        // JavaCPP passes these to the linker in reverse order: the archive must come before what it uses.
        link = {"gomp", "c10", "torch_cpu", "merba_core"},
        library = "jnimerba"))
public final class MerbaPresets {
    private MerbaPresets() {}
}
