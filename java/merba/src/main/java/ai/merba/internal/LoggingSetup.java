package ai.merba.internal;

import java.util.ServiceLoader;

/**
 * Makes the library quiet unless the application configured logging: JavaCPP's own messages (e.g. its warning
 * that the OpenBLAS build is one release older than JavaCPP, which the project pins on purpose) go through SLF4J
 * like MERba's, and where the class path holds no SLF4J provider at all — so nothing could be logged anyway —
 * SLF4J's own notice about that is not printed either. Both only where the application has not set the property
 * itself. Runs once, before the first native library loads (JavaCPP reads its logger setting then). Internal to
 * MERba.
 */
public final class LoggingSetup {
    static final String JAVACPP_LOGGER = "org.bytedeco.javacpp.logger";
    static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

    static {
        if (System.getProperty(JAVACPP_LOGGER) == null) {
            System.setProperty(JAVACPP_LOGGER, "slf4j");
        }
        if (System.getProperty(SLF4J_VERBOSITY) == null && !hasSlf4jProvider()) {
            System.setProperty(SLF4J_VERBOSITY, "ERROR");
        }
    }

    private LoggingSetup() {}

    /** Applies the settings (once; later calls do nothing). */
    public static void ensure() {}

    private static boolean hasSlf4jProvider() {
        try {
            return ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class, LoggingSetup.class.getClassLoader())
                    .findFirst().isPresent();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
