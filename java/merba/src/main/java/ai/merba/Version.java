package ai.merba;

/** The library's version, as Maven packaged it (development builds from the IDE report "development"). */
public final class Version {
    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }
}
