package ai.merba.prepare;

/** Where the face box that both frames are cropped to comes from. */
public enum FaceCropMode {
    /** No crop: the whole frame (for databases shipped already cropped, e.g. CASME II's {@code Cropped}). */
    NONE("none"),
    /** The box given with each sample (the sheet's face-box columns); a sample without one is rejected. */
    BOX("box"),
    /** OpenCV's frontal-face Haar cascade on the onset frame, the largest face; no face rejects the sample. */
    DETECT("detect");

    private final String jsonName;

    FaceCropMode(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    /** By JSON name or enum name, case-insensitive. */
    public static FaceCropMode parse(String name) {
        for (FaceCropMode m : values()) {
            if (m.jsonName.equalsIgnoreCase(name) || m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown crop mode '" + name + "'; known: none, box, detect");
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
