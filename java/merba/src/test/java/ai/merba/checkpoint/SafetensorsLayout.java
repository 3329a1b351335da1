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
public record SafetensorsLayout(ObjectNode header, byte[] data) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static SafetensorsLayout read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        return new SafetensorsLayout(header, Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length));
    }

    /** The float32 values of a tensor, read at its data_offsets. */
    public float[] floats(String name) {
        long begin = header.get(name).get("data_offsets").get(0).asLong();
        long end = header.get(name).get("data_offsets").get(1).asLong();
        ByteBuffer b = ByteBuffer.wrap(data, (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[(int) (end - begin) / 4];
        b.asFloatBuffer().get(values);
        return values;
    }

    public String metadata(String key) {
        return header.get("__metadata__").get(key).asText();
    }

    /** Writes this header (as edited) and data in the safetensors layout. */
    public void write(Path file) throws IOException {
        byte[] text = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(text.length).put(text).put(data);
        Files.write(file, out.array());
    }

    /**
     * A valid file without tensor {@code name}: its entry and its bytes removed and the later tensors' offsets
     * moved down (the data must stay exactly covered by the tensors, as the safetensors format requires).
     */
    public SafetensorsLayout without(String name) {
        ObjectNode h = header.deepCopy();
        long begin = h.get(name).get("data_offsets").get(0).asLong();
        long end = h.get(name).get("data_offsets").get(1).asLong();
        h.remove(name);
        h.fields().forEachRemaining(e -> {
            if (e.getKey().equals("__metadata__")) {
                return;
            }
            com.fasterxml.jackson.databind.node.ArrayNode offsets =
                    (com.fasterxml.jackson.databind.node.ArrayNode) e.getValue().get("data_offsets");
            if (offsets.get(0).asLong() >= end) {
                offsets.set(0, offsets.get(0).asLong() - (end - begin));
                offsets.set(1, offsets.get(1).asLong() - (end - begin));
            }
        });
        byte[] d = new byte[data.length - (int) (end - begin)];
        System.arraycopy(data, 0, d, 0, (int) begin);
        System.arraycopy(data, (int) end, d, (int) begin, data.length - (int) end);
        return new SafetensorsLayout(h, d);
    }

    public SafetensorsLayout copy() {
        return new SafetensorsLayout(header.deepCopy(), data.clone());
    }
}
