package ai.merba.prepare.adapter;

import java.util.Locale;
import java.util.function.Supplier;

/** The databases {@code prepare} reads, by the name the command line and the manifest use. */
public enum Database {
    CASME2("casme2", Casme2Adapter::new),
    SAMM("samm", SammAdapter::new),
    SMIC("smic", SmicAdapter::new),
    CASME3("casme3", Casme3Adapter::new);

    private final String id;
    private final Supplier<DatabaseAdapter> adapter;

    Database(String id, Supplier<DatabaseAdapter> adapter) {
        this.id = id;
        this.adapter = adapter;
    }

    public String id() {
        return id;
    }

    public DatabaseAdapter adapter() {
        return adapter.get();
    }

    /** By id ({@code casme2}, {@code samm}, {@code smic}, {@code casme3}), case-insensitive. */
    public static Database parse(String name) {
        for (Database d : values()) {
            if (d.id.equalsIgnoreCase(name) || d.name().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown database '" + name + "'; known: casme2, samm, smic, casme3");
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
