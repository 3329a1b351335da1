package ai.merba.prepare;

/** The file a sample's flows are written to, as the manifest reads them (spec §6). */
public enum FlowFormat {
    /** 8-bit RGB PNG: R, G, B = u, v, strain, each min-max normalised to 0–255. */
    PNG("png"),
    /** NumPy {@code .npy}, little-endian float32, shape (3, H, W). */
    NPY("npy");

    private final String extension;

    FlowFormat(String extension) {
        this.extension = extension;
    }

    /** The file extension without the dot; also the name in the JSON config. */
    public String extension() {
        return extension;
    }

    public static FlowFormat parse(String name) {
        for (FlowFormat f : values()) {
            if (f.extension.equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown flow format '" + name + "'; known: png, npy");
    }

    @Override
    public String toString() {
        return extension;
    }
}
