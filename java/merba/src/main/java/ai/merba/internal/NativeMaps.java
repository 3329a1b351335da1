package ai.merba.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.StringStringMap;

/**
 * Converts between Java maps and {@code std::map<std::string, std::string>} ({@link StringStringMap}), the type the
 * native checkpoint metadata has, in UTF-8 whatever the platform's default charset. Internal to MERba.
 */
public final class NativeMaps {
    private NativeMaps() {}

    /** A new native map holding {@code entries}; the caller closes it. */
    public static StringStringMap toNative(Map<String, String> entries) {
        StringStringMap map = new StringStringMap();
        try {
            entries.forEach((key, value) -> {
                try (BytePointer k = new BytePointer(key, StandardCharsets.UTF_8);
                        BytePointer v = new BytePointer(value, StandardCharsets.UTF_8)) {
                    map.put(k, v);
                }
            });
            return map;
        } catch (RuntimeException | Error e) {  // a null key or value: free what was built before rethrowing
            map.close();
            throw e;
        }
    }

    /** The entries of {@code map}, in its (sorted) order; closes it. */
    public static Map<String, String> toJava(StringStringMap map) {
        try (map) {
            Map<String, String> entries = new LinkedHashMap<>();
            StringStringMap.Iterator end = map.end();
            for (StringStringMap.Iterator it = map.begin(); !it.equals(end); it = it.increment()) {
                entries.put(it.first().getString(StandardCharsets.UTF_8), it.second().getString(StandardCharsets.UTF_8));
            }
            return entries;
        }
    }
}
