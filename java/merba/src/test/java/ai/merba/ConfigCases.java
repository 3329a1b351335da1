package ai.merba;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The configuration cases every layer must refuse (test-data/*-config/invalid, also run by the C++ tests): each
 * {@code {"field": F, "config": {...}}}, refused with a message naming F.
 */
public record ConfigCases(String name, String field, JsonNode config) {
    private static final Path TEST_DATA = Path.of(System.getProperty("merba.testData", "../../test-data"));

    /** The cases of {@code test-data/<folder>/invalid}, by file name. */
    public static List<ConfigCases> load(String folder) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<ConfigCases> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(TEST_DATA.resolve(folder).resolve("invalid"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode doc = json.readTree(f.toFile());
                cases.add(new ConfigCases(f.getFileName().toString().replace(".json", ""), doc.get("field").asText(),
                        doc.get("config")));
            }
        }
        assertThat(cases).as("cases in " + folder).isNotEmpty();
        return cases;
    }

    /** The keys the case's config sets. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        config.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
