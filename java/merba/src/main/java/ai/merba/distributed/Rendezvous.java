package ai.merba.distributed;

import static ai.merba.internal.Preconditions.checkArgument;

import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the processes of one run meet, as {@code torchrun} describes them: this process's {@code rank} in
 * {@code [0, worldSize)}, and rank 0's TCP store at {@code masterAddr:masterPort} (or a store file on a file system
 * every process sees). Immutable and validated; {@link #fromEnvironment()} reads torchrun's variables.
 *
 * <p>The timeout bounds joining, every collective and every wait for a peer: a process that dies or stalls makes
 * the others fail with an error naming it after at most this long, instead of hanging.
 */
public final class Rendezvous {
    public static final String DEFAULT_MASTER_ADDR = "127.0.0.1";
    public static final int DEFAULT_MASTER_PORT = 29500;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final int rank;
    private final int worldSize;
    private final String masterAddr;
    private final int masterPort;
    private final Path storeFile;
    private final Duration timeout;

    private Rendezvous(Builder b) {
        checkArgument(b.worldSize >= 1, "world size must be >= 1, got %s", b.worldSize);
        checkArgument(b.rank >= 0 && b.rank < b.worldSize, "rank must be in [0, world size) = [0, %s), got %s",
                b.worldSize, b.rank);
        checkArgument(b.masterAddr != null && !b.masterAddr.isBlank(), "the master address is empty");
        checkArgument(b.masterPort >= 1 && b.masterPort <= 65535, "the master port must be in [1, 65535], got %s",
                b.masterPort);
        checkArgument(b.timeout != null && !b.timeout.isNegative() && !b.timeout.isZero(),
                "the timeout must be positive, got %s", b.timeout);
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        this.masterAddr = b.masterAddr;
        this.masterPort = b.masterPort;
        this.storeFile = b.storeFile;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** One process alone: no group is joined. */
    public static Rendezvous single() {
        return builder().build();
    }

    /**
     * torchrun's variables: {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}; absent ones
     * take the defaults (rank 0 of 1 on 127.0.0.1:29500).
     *
     * @throws IllegalArgumentException naming the variable when one is not a number or out of range
     */
    public static Rendezvous fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Rendezvous fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        b.rank(integer(env, "RANK", 0));
        b.worldSize(integer(env, "WORLD_SIZE", 1));
        b.masterAddr(env.getOrDefault("MASTER_ADDR", DEFAULT_MASTER_ADDR));
        b.masterPort(integer(env, "MASTER_PORT", DEFAULT_MASTER_PORT));
        return b.build();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + "='" + value + "' is not an integer");
        }
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    public String masterAddr() {
        return masterAddr;
    }

    public int masterPort() {
        return masterPort;
    }

    /** The store file, when the processes meet through a shared file system instead of TCP. */
    public Optional<Path> storeFile() {
        return Optional.ofNullable(storeFile);
    }

    public Duration timeout() {
        return timeout;
    }

    /** Whether this is one process alone. */
    public boolean isSingle() {
        return worldSize == 1;
    }

    /** The native rendezvous document ({@code native/distributed/rendezvous.h}). */
    String toNativeJson() {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("rank", rank);
        o.put("world_size", worldSize);
        o.put("master_addr", masterAddr);
        o.put("master_port", masterPort);
        if (storeFile != null) {
            o.put("store_path", storeFile.toAbsolutePath().toString());
        }
        o.put("timeout_ms", timeout.toMillis());
        return o.toString();
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " via "
                + (storeFile != null ? "file " + storeFile : masterAddr + ":" + masterPort);
    }

    public static final class Builder {
        private int rank;
        private int worldSize = 1;
        private String masterAddr = DEFAULT_MASTER_ADDR;
        private int masterPort = DEFAULT_MASTER_PORT;
        private Path storeFile;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        public Builder rank(int rank) {
            this.rank = rank;
            return this;
        }

        public Builder worldSize(int worldSize) {
            this.worldSize = worldSize;
            return this;
        }

        public Builder masterAddr(String masterAddr) {
            this.masterAddr = Objects.requireNonNull(masterAddr, "masterAddr");
            return this;
        }

        public Builder masterPort(int masterPort) {
            this.masterPort = masterPort;
            return this;
        }

        /** Meet through a c10d FileStore at this path instead of rank 0's TCP store. */
        public Builder storeFile(Path storeFile) {
            this.storeFile = storeFile;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Rendezvous build() {
            return new Rendezvous(this);
        }
    }
}
