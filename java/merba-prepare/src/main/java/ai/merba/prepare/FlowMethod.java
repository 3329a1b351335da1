package ai.merba.prepare;

import java.util.Locale;

/** The dense optical flow algorithm, both from OpenCV. */
public enum FlowMethod {
    /** Zach–Pock–Bischof TV-L1 ({@code cv::optflow::DualTVL1OpticalFlow}): what MER pipelines use. */
    TV_L1("tv-l1"),
    /** Farnebäck's polynomial expansion ({@code cv::calcOpticalFlowFarneback}): faster, smoother, less exact. */
    FARNEBACK("farneback");

    private final String jsonName;

    FlowMethod(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in the JSON config and on the command line. */
    public String jsonName() {
        return jsonName;
    }

    /** By JSON name or enum name, case-insensitive. */
    public static FlowMethod parse(String name) {
        for (FlowMethod m : values()) {
            if (m.jsonName.equalsIgnoreCase(name) || m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown flow method '" + name + "'; known: tv-l1, farneback");
    }

    @Override
    public String toString() {
        return jsonName.toLowerCase(Locale.ROOT);
    }
}
