package ai.merba.prepare.adapter;

import java.nio.file.Path;

/** Reads one database's annotation sheet and finds each sample's onset and apex frames under its folder. */
public interface DatabaseAdapter {
    /** The manifest's {@code dataset} value, e.g. {@code casme2}. */
    String dataset();

    /**
     * Reads {@code sheet} and resolves frames under {@code root}. Rows that cannot be used are returned with
     * their reasons, not thrown.
     *
     * @throws IllegalArgumentException if the sheet itself cannot be used (missing, no header with the required
     *     columns)
     */
    AdapterResult read(Path sheet, Path root);
}
