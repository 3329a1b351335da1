package ai.merba.cli;

import ai.merba.distributed.ProcessGroup;
import ai.merba.distributed.Rendezvous;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Running one command as several processes (torchrun's conventions): each option defaults to torchrun's environment
 * variable, so {@code torchrun}-style launchers and cluster schedulers that set them need no flags.
 */
final class DistributedOptions {
    @Option(names = "--world-size", paramLabel = "N",
            description = "Processes in the run (default: $WORLD_SIZE, else 1: this process alone).")
    Integer worldSize;

    @Option(names = "--rank", paramLabel = "R", description = "This process's rank in [0, N) (default: $RANK, else 0).")
    Integer rank;

    @Option(names = "--master-addr", paramLabel = "HOST",
            description = "Host of rank 0, which serves the rendezvous store (default: $MASTER_ADDR, else 127.0.0.1).")
    String masterAddr;

    @Option(names = "--master-port", paramLabel = "PORT",
            description = "Port of rank 0's store (default: $MASTER_PORT, else 29500).")
    Integer masterPort;

    @Option(names = "--rendezvous-file", paramLabel = "FILE",
            description = "Meet through this file on a shared file system instead of rank 0's TCP store.")
    Path rendezvousFile;

    @Option(names = "--rendezvous-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for the other processes, in joining, each collective, and for a silent"
                    + " peer before failing (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    Rendezvous rendezvous() {
        Rendezvous env = Rendezvous.fromEnvironment();
        Rendezvous.Builder b = Rendezvous.builder()
                .worldSize(worldSize != null ? worldSize : env.worldSize())
                .rank(rank != null ? rank : env.rank())
                .masterAddr(masterAddr != null ? masterAddr : env.masterAddr())
                .masterPort(masterPort != null ? masterPort : env.masterPort())
                .storeFile(rendezvousFile);
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--rendezvous-timeout must be >= 1 s, got " + timeoutSeconds);
        }
        return b.timeout(Duration.ofSeconds(timeoutSeconds)).build();
    }

    /** Joins the group the options describe, or null for a world of one. */
    ProcessGroup join() {
        Rendezvous r = rendezvous();
        if (r.isSingle()) {
            return null;
        }
        System.out.printf("joining %s ...%n", r);
        return ProcessGroup.join(r);
    }
}
