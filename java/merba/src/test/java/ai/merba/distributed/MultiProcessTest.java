package ai.merba.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.merba.Fixtures;
import ai.merba.NativeThreads;
import ai.merba.eval.EvaluationReportJson;
import ai.merba.internal.JsonFields;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes on 127.0.0.1 with one native thread each ({@link DistributedWorker} in fresh JVMs), against this
 * process doing the same work alone: data-parallel training, a fold fan-out, and a rank that dies.
 */
class MultiProcessTest {
    @TempDir
    Path dir;

    private record Worker(Process process, Path out, Path err) {
        int waitFor(int seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return -1;
            }
            return process.exitValue();
        }

        String stderr() throws IOException {
            return Files.exists(err) ? Files.readString(err) : "";
        }
    }

    private Worker start(String mode, int rank, int world, int port) throws IOException {
        Path out = dir.resolve(mode + "-" + rank + ".out"), err = dir.resolve(mode + "-" + rank + ".err");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dmerba.testData=" + System.getProperty("merba.testData", "../../test-data"),
                DistributedWorker.class.getName(), mode, Integer.toString(rank), Integer.toString(world),
                Integer.toString(port), out.toString()));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        return new Worker(p, out, err);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static <T> T withThreads(int threads, Callable<T> work) throws Exception {
        int before = NativeThreads.get();
        NativeThreads.set(threads, "test threads");
        try {
            return work.call();
        } finally {
            NativeThreads.set(before, "test threads");
        }
    }

    private static double[] numbers(Path file) throws IOException {
        String text = Files.readString(file).replace("[", "").replace("]", "");
        return Arrays.stream(text.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
    }

    @Test
    void dataParallelTrainingTakesTheStepsOfOneProcessOnTheCombinedBatch() throws Exception {
        int port = freePort();
        Worker w0 = start("train", 0, 2, port), w1 = start("train", 1, 2, port);
        // One process with two threads splits each batch of 16 into the same two halves the two ranks train on.
        List<Double> alone = withThreads(2, () -> DistributedWorker.trainingRun(null, null));
        assertThat(w0.waitFor(180)).as("rank 0: %s", w0.stderr()).isZero();
        assertThat(w1.waitFor(60)).as("rank 1: %s", w1.stderr()).isZero();
        double[] rank0 = numbers(w0.out()), rank1 = numbers(w1.out());
        assertThat(rank0).containsExactly(rank1);  // the same global losses on every rank, bit for bit
        assertThat(rank0).hasSize(alone.size());
        for (int i = 0; i < rank0.length; i += 2) {
            assertThat(rank0[i]).as("loss of batch %d", i / 2).isCloseTo(alone.get(i), Offset.offset(1e-5));
            assertThat(rank0[i + 1]).as("samples of batch %d", i / 2).isEqualTo(16);
        }
        assertThat(Path.of(w0.out() + ".safetensors")).exists();  // rank 0 writes the checkpoint
        assertThat(Path.of(w1.out() + ".safetensors")).doesNotExist();
    }

    @Test
    void foldFanOutGivesTheReportOfOneProcess() throws Exception {
        int port = freePort();
        Worker w0 = start("cv", 0, 2, port), w1 = start("cv", 1, 2, port);
        String alone = withThreads(1, () -> EvaluationReportJson.write(
                DistributedWorker.evaluationRun().crossValidate(Fixtures.synthetic(), 3, 1)));
        assertThat(w0.waitFor(180)).as("rank 0: %s", w0.stderr()).isZero();
        assertThat(w1.waitFor(60)).as("rank 1: %s", w1.stderr()).isZero();
        JsonNode expected = withoutWallTime(alone);
        assertThat(withoutWallTime(Files.readString(w0.out()))).isEqualTo(expected);
        assertThat(withoutWallTime(Files.readString(w1.out()))).isEqualTo(expected);
    }

    @Test
    void aRankThatDiesMakesTheOthersFailWithinTheTimeout() throws Exception {
        int port = freePort();
        long start = System.nanoTime();
        Worker w0 = start("cv-die", 0, 2, port), w1 = start("cv-die", 1, 2, port);
        assertThat(w1.waitFor(120)).isEqualTo(3);
        assertThat(w0.waitFor(120)).as("rank 0 must fail, not hang").isEqualTo(2);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(w0.stderr()).contains("rank 1 has been silent for " + DistributedWorker.TIMEOUT.toSeconds() + " s")
                .contains("has not published fold 2");
        assertThat(seconds).isLessThan(120);
    }

    private static JsonNode withoutWallTime(String json) {
        ObjectNode node = (ObjectNode) JsonFields.parseObject(json, "report");
        node.remove("wall_time_seconds");
        return node;
    }
}
