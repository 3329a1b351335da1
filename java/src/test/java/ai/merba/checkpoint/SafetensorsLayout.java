package ai.merba.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An independent reader and editor of the safetensors layout for tests: Jackson over the header, raw byte reads
 * for the data. Shares no code with the library's reader (which is C++).
 */
record SafetensorsLayout(ObjectNode header, byte[] data) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SafetensorsLayout read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        return new SafetensorsLayout(header, Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length));
    }

    /** The float32 values of a tensor, read at its data_offsets. */
    float[] floats(String name) {
        long begin = header.get(name).get("data_offsets").get(0).asLong();
        long end = header.get(name).get("data_offsets").get(1).asLong();
        ByteBuffer b = ByteBuffer.wrap(data, (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[(int) (end - begin) / 4];
        b.asFloatBuffer().get(values);
        return values;
    }

    String metadata(String key) {
        return header.get("__metadata__").get(key).asText();
    }

    /** Writes this header (as edited) and data in the safetensors layout. */
    void write(Path file) throws IOException {
        byte[] text = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(text.length).put(text).put(data);
        Files.write(file, out.array());
    }

    SafetensorsLayout copy() {
        return new SafetensorsLayout(header.deepCopy(), data.clone());
    }
}
