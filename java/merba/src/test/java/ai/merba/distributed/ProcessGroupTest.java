package ai.merba.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.merba.MerbaNativeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two ranks in this JVM meeting through a store file: messages, barrier, a missing message, closing. */
class ProcessGroupTest {
    @Test
    void ranksMeetThroughAStoreFileAndExchangeMessages(@TempDir Path dir) throws Exception {
        Rendezvous.Builder b = Rendezvous.builder().worldSize(2).storeFile(dir.resolve("store"))
                .timeout(Duration.ofSeconds(10));
        Rendezvous first = b.rank(0).build(), second = b.rank(1).build();  // before the threads share nothing mutable
        CompletableFuture<String> rank1 = CompletableFuture.supplyAsync(() -> {
            try (ProcessGroup g = ProcessGroup.join(second)) {
                g.publish("greeting/1", "hello from 1 — ü");
                String reply = g.read("greeting/0");
                String prefix = g.newExchangePrefix("test");  // the same run id as rank 0's
                g.barrier();
                return reply + " " + prefix;
            }
        });
        try (ProcessGroup g = ProcessGroup.join(first)) {
            assertThat(g.rank()).isZero();
            assertThat(g.worldSize()).isEqualTo(2);
            g.publish("greeting/0", "hello from 0");
            assertThat(g.read("greeting/1")).isEqualTo("hello from 1 — ü");
            assertThat(g.isPublished("greeting/1")).isTrue();
            assertThat(g.isPublished("nobody/said/this")).isFalse();
            String prefix = g.newExchangePrefix("test");  // a collective, as on rank 1
            assertThat(prefix).startsWith("merba/").endsWith("/0/test/");
            assertThat(g.newExchangePrefix("test")).isNotEqualTo(prefix).endsWith("/1/test/");
            g.barrier();
            assertThat(rank1.get(30, TimeUnit.SECONDS)).isEqualTo("hello from 0 " + prefix);
            // A message nobody sends: an error naming the key after the timeout, not a hang.
            long start = System.nanoTime();
            assertThatThrownBy(() -> g.read("nobody/said/this")).isInstanceOf(MerbaNativeException.class)
                    .hasMessageContaining("rank 0 of 2: store get 'nobody/said/this' failed");
            assertThat((System.nanoTime() - start) / 1e9).isBetween(9.0, 60.0);
            g.close();
            assertThatThrownBy(g::barrier).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }
}
