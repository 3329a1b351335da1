package ai.merba.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Strict reading of MERba's JSON documents (model and training configs, label schemes). Internal to MERba. Read as a tree, field by field, so that every
 * problem becomes an {@link IllegalArgumentException} that names the JSON field, rather than a Jackson
 * binding error that names a Java property.
 */
public final class JsonFields {
    /** Duplicate keys and trailing content are errors: a document means one thing or is rejected. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFields() {}

    /** Parses {@code json}, which must hold one object; {@code what} names the document in messages. */
    public static ObjectNode parseObject(String json, String what) {
        if (json == null) {
            throw new IllegalArgumentException(what + " JSON must not be null");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new IllegalArgumentException("malformed " + what + " JSON: " + e.getOriginalMessage() + where, e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(what + " JSON must be an object");
        }
        return (ObjectNode) node;
    }

    /** Reads a UTF-8 file; content problems are reported with the file's path in front. */
    public static <T> T readFile(Path path, Function<String, T> parser) throws IOException {
        String json = Files.readString(path);
        try {
            return parser.apply(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /** Rejects the first key of {@code object} not in {@code known}; {@code prefix} locates the object. */
    public static void rejectUnknownKeys(JsonNode object, Collection<String> known, String prefix) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(prefix + "unknown key '" + key + "' (known keys: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    public static JsonNode required(JsonNode object, String key, String field) {
        JsonNode node = object.get(key);
        if (node == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return node;
    }

    public static int intValue(JsonNode node, String field) {
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        throw new IllegalArgumentException(field + " must be an integer, got " + node);
    }

    public static double doubleValue(JsonNode node, String field) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        throw new IllegalArgumentException(field + " must be a number, got " + node);
    }

    public static boolean booleanValue(JsonNode node, String field) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        throw new IllegalArgumentException(field + " must be true or false, got " + node);
    }

    public static String textValue(JsonNode node, String field) {
        if (node.isTextual()) {
            return node.textValue();
        }
        throw new IllegalArgumentException(field + " must be a string, got " + node);
    }

    public static JsonNode array(JsonNode node, String field) {
        if (node.isArray()) {
            return node;
        }
        throw new IllegalArgumentException(field + " must be an array, got " + node);
    }

    public static List<Integer> intList(JsonNode node, String field) {
        JsonNode items = array(node, field);
        List<Integer> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(intValue(items.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    /** Writes a tree; writing an in-memory tree to a string cannot fail for I/O reasons. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON", e);
        }
    }
}
