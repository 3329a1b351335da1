package ai.merba.model;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The classes a model predicts: fine classes in index order, each in a coarse group. Coarse groups are
 * numbered in order of first appearance, so the list alone fixes every index the network and checkpoints
 * use. Immutable; made with {@link #builder(String)}, {@link #of(String, List)}, {@link #builtIn(String)} or
 * {@link #fromJson(String)}, and validated when made.
 */
public final class LabelScheme {
    static final String NAME = "name";
    static final String CLASSES = "classes";
    static final String GROUP = "group";
    static final String DISPLAY_NAME = "display_name";
    private static final List<String> SCHEME_KEYS = List.of(NAME, CLASSES);
    private static final List<String> CLASS_KEYS = List.of(NAME, GROUP, DISPLAY_NAME);
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+");

    private static final Map<String, LabelScheme> BUILT_INS = builtIns();

    /**
     * One fine class.
     *
     * @param name the label used in manifests and predictions
     * @param group its coarse group
     * @param displayName for people; {@code null} means {@code name}
     */
    public record FineClass(String name, String group, String displayName) {
        public FineClass {
            if (displayName == null) {
                displayName = name;
            }
        }

        /** A class whose display name is its name. */
        public FineClass(String name, String group) {
            this(name, group, null);
        }
    }

    private final String name;
    private final List<FineClass> classes;
    private final List<String> coarseGroups;
    private final int[] fineToCoarse;
    private final Map<String, Integer> fineIndex;
    private final Map<String, Integer> coarseIndex;

    private LabelScheme(String name, List<FineClass> classes) {
        validate(name, classes);
        this.name = name;
        this.classes = List.copyOf(classes);
        Map<String, Integer> fine = new HashMap<>();
        Map<String, Integer> coarse = new LinkedHashMap<>();
        this.fineToCoarse = new int[this.classes.size()];
        for (int i = 0; i < this.classes.size(); i++) {
            FineClass c = this.classes.get(i);
            fine.put(c.name(), i);
            fineToCoarse[i] = coarse.computeIfAbsent(c.group(), g -> coarse.size());
        }
        this.fineIndex = Collections.unmodifiableMap(fine);
        this.coarseIndex = Collections.unmodifiableMap(coarse);
        this.coarseGroups = List.copyOf(coarse.keySet());
    }

    /**
     * A scheme from its classes in index order.
     *
     * @throws IllegalArgumentException naming the offending JSON field
     */
    public static LabelScheme of(String name, List<FineClass> classes) {
        return new LabelScheme(name, classes);
    }

    /** A builder for a scheme called {@code name}; add the classes in index order. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * A built-in scheme (spec §6): {@code megc-3}, {@code casme2-5}, {@code samm-5} or {@code casme3-7}.
     *
     * @throws IllegalArgumentException for any other name; the message lists the known ones
     */
    public static LabelScheme builtIn(String name) {
        LabelScheme scheme = name == null ? null : BUILT_INS.get(name);
        if (scheme == null) {
            throw new IllegalArgumentException("unknown built-in label scheme '" + name + "'; known: "
                    + String.join(", ", BUILT_INS.keySet()));
        }
        return scheme;
    }

    /** The names {@link #builtIn(String)} knows. */
    public static List<String> builtInNames() {
        return List.copyOf(BUILT_INS.keySet());
    }

    private static Map<String, LabelScheme> builtIns() {
        Map<String, LabelScheme> m = new LinkedHashMap<>();
        put(m, builder("megc-3")
                .addClass("negative", "negative")
                .addClass("positive", "positive")
                .addClass("surprise", "surprise"));
        put(m, builder("casme2-5")
                .addClass("happiness", "positive")
                .addClass("disgust", "negative")
                .addClass("repression", "negative")
                .addClass("surprise", "surprise")
                .addClass("others", "others"));
        put(m, builder("samm-5")
                .addClass("happiness", "positive")
                .addClass("anger", "negative")
                .addClass("contempt", "negative")
                .addClass("surprise", "surprise")
                .addClass("other", "other"));
        put(m, builder("casme3-7")
                .addClass("happy", "positive")
                .addClass("anger", "negative")
                .addClass("disgust", "negative")
                .addClass("fear", "negative")
                .addClass("sad", "negative")
                .addClass("surprise", "surprise")
                .addClass("others", "others"));
        return Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, LabelScheme> m, Builder b) {
        LabelScheme s = b.build();
        m.put(s.name(), s);
    }

    public String name() {
        return name;
    }

    /** The fine classes in index order. */
    public List<FineClass> classes() {
        return classes;
    }

    /** K_fine. */
    public int numFine() {
        return classes.size();
    }

    /** K_coarse. */
    public int numCoarse() {
        return coarseGroups.size();
    }

    /** The coarse group names, by index (order of first appearance in {@link #classes()}). */
    public List<String> coarseGroups() {
        return coarseGroups;
    }

    /** Coarse index of each fine class (a copy). */
    public int[] fineToCoarse() {
        return fineToCoarse.clone();
    }

    /** The index of coarse group {@code group}, or -1 if there is none. */
    public int coarseIndexOf(String group) {
        return coarseIndex.getOrDefault(group, -1);
    }

    /** The index of fine class {@code name}, or -1 if there is none. */
    public int fineIndexOf(String name) {
        return fineIndex.getOrDefault(name, -1);
    }

    /**
     * Whether a model with this scheme and head mode has {@code head.fine}: always for {@code flat}; otherwise
     * unless every group holds one class, where fine = coarse and the coarse head alone decides.
     */
    public boolean hasFineHead(DgcmMode mode) {
        Objects.requireNonNull(mode, "mode");
        return mode == DgcmMode.FLAT || numFine() != numCoarse();
    }

    /** Whether a model with this scheme and head mode has {@code head.coarse}: unless the mode is {@code flat}. */
    public boolean hasCoarseHead(DgcmMode mode) {
        Objects.requireNonNull(mode, "mode");
        return mode != DgcmMode.FLAT;
    }

    /**
     * The fine index of a manifest label: a class name, or else a decimal index. A name wins over an index
     * when both could match.
     *
     * @throws IllegalArgumentException naming the token and listing the valid labels
     */
    public int resolveLabel(String token) {
        Integer byName = token == null ? null : fineIndex.get(token);
        if (byName != null) {
            return byName;
        }
        if (token != null && DECIMAL.matcher(token).matches()) {
            try {
                int index = Integer.parseInt(token);
                if (index < numFine()) {
                    return index;
                }
            } catch (NumberFormatException tooLarge) {
                // falls through to the error below
            }
        }
        StringBuilder valid = new StringBuilder();
        for (int i = 0; i < classes.size(); i++) {
            valid.append(i == 0 ? "" : ", ").append(classes.get(i).name()).append(" (").append(i).append(')');
        }
        throw new IllegalArgumentException("unknown label '" + token + "' for label scheme '" + name
                + "'; valid labels (name or index): " + valid);
    }

    /** Reads a scheme in the doc's format; {@code display_name} is optional. */
    public static LabelScheme fromJson(String json) {
        ObjectNode object = JsonFields.parseObject(json, "label scheme");
        JsonFields.rejectUnknownKeys(object, SCHEME_KEYS, "");
        String name = JsonFields.textValue(JsonFields.required(object, NAME, NAME), NAME);
        JsonNode items = JsonFields.array(JsonFields.required(object, CLASSES, CLASSES), CLASSES);
        List<FineClass> classes = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String at = CLASSES + "[" + i + "]";
            JsonNode item = items.get(i);
            if (!item.isObject()) {
                throw new IllegalArgumentException(at + " must be an object, got " + item);
            }
            JsonFields.rejectUnknownKeys(item, CLASS_KEYS, at + ": ");
            String className = JsonFields.textValue(JsonFields.required(item, NAME, at + "." + NAME), at + "." + NAME);
            String group = JsonFields.textValue(JsonFields.required(item, GROUP, at + "." + GROUP), at + "." + GROUP);
            JsonNode display = item.get(DISPLAY_NAME);
            String displayName = display == null || display.isNull()
                    ? null : JsonFields.textValue(display, at + "." + DISPLAY_NAME);
            classes.add(new FineClass(className, group, displayName));
        }
        return new LabelScheme(name, classes);
    }

    /**
     * Reads a scheme file (UTF-8).
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if its content is not a valid scheme; the message starts with the path
     */
    public static LabelScheme fromJson(Path path) throws IOException {
        return JsonFields.readFile(path, LabelScheme::fromJson);
    }

    /** This scheme as compact JSON; {@code display_name} is written only where it differs from the name. */
    public String toJson() {
        ObjectNode node = JsonFields.MAPPER.createObjectNode();
        node.put(NAME, name);
        ArrayNode array = node.putArray(CLASSES);
        for (FineClass c : classes) {
            ObjectNode item = array.addObject();
            item.put(NAME, c.name());
            item.put(GROUP, c.group());
            if (!c.displayName().equals(c.name())) {
                item.put(DISPLAY_NAME, c.displayName());
            }
        }
        return JsonFields.write(node);
    }

    private static void validate(String name, List<FineClass> classes) {
        checkArgument(name != null && !name.isEmpty(), "%s must not be empty", NAME);
        checkArgument(classes != null, "%s must not be null", CLASSES);
        checkArgument(classes.size() >= 2, CLASSES + " has " + classes.size()
                + (classes.size() == 1 ? " entry" : " entries") + "; a label scheme needs at least two");
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            String at = CLASSES + "[" + i + "]";
            FineClass c = classes.get(i);
            checkArgument(c != null, "%s must not be null", at);
            checkArgument(c.name() != null && !c.name().isEmpty(), "%s.%s must not be empty", at, NAME);
            Integer first = seen.putIfAbsent(c.name(), i);
            checkArgument(first == null, "%s.%s = '%s' repeats %s[%s]", at, NAME, c.name(), CLASSES, first);
            checkArgument(c.group() != null && !c.group().isEmpty(), "%s.%s must not be empty", at, GROUP);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LabelScheme)) {
            return false;
        }
        LabelScheme s = (LabelScheme) o;
        return name.equals(s.name) && classes.equals(s.classes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, classes);
    }

    /** E.g. {@code LabelScheme[megc-3: negative->negative, positive->positive, surprise->surprise]}. */
    @Override
    public String toString() {
        return "LabelScheme[" + name + ": "
                + classes.stream().map(c -> c.name() + "->" + c.group()).collect(Collectors.joining(", ")) + "]";
    }

    /** Builder for a scheme: classes are added in index order. */
    public static final class Builder {
        private final String name;
        private final List<FineClass> classes = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Adds the next fine class, displayed as its name. */
        public Builder addClass(String name, String group) {
            classes.add(new FineClass(name, group));
            return this;
        }

        /** Adds the next fine class with a display name for people. */
        public Builder addClass(String name, String group, String displayName) {
            classes.add(new FineClass(name, group, displayName));
            return this;
        }

        /** Adds the next fine class. */
        public Builder addClass(FineClass fineClass) {
            classes.add(fineClass);
            return this;
        }

        /**
         * Checks the rules (at least two classes, unique non-empty names, non-empty groups) and makes it.
         *
         * @throws IllegalArgumentException naming the offending JSON field
         */
        public LabelScheme build() {
            return new LabelScheme(name, classes);
        }
    }
}
