package ai.merba.prepare;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@code prepare}: how many samples were written and every sheet row that was not, with its
 * reason; also the time taken.
 *
 * @param manifest the manifest written (or {@code null} if no sample could be prepared)
 * @param rows the sheet's data rows
 * @param prepared samples written to the manifest
 * @param rejected every other row, in line order
 * @param workers parallel workers used
 * @param wallSeconds elapsed time for the flows
 * @param sampleSeconds time per sample in one worker (frames read, flow, strain, resize, write), mean
 */
public record PrepareReport(Path manifest, int rows, int prepared, List<RejectedRow> rejected, int workers,
        double wallSeconds, double sampleSeconds) {
    public PrepareReport {
        rejected = List.copyOf(rejected);
        if (prepared + rejected.size() != rows) {
            throw new IllegalArgumentException(prepared + " prepared + " + rejected.size() + " rejected != " + rows
                    + " rows: a row went missing");
        }
    }

    /** The rejected rows as CSV ({@code line,subject,sample,reason}), for the report file. */
    public String rejectedCsv() {
        StringBuilder s = new StringBuilder("line,subject,sample,reason\n");
        for (RejectedRow r : rejected) {
            s.append(r.line()).append(',').append(csv(r.subject())).append(',').append(csv(r.sample())).append(',')
                    .append(csv(r.reason())).append('\n');
        }
        return s.toString();
    }

    /** A few lines for people: counts, times, and each rejected row. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%d of %d rows prepared, %d rejected; %.1f s with %d workers"
                + " (%.3f s per sample in one worker)%n", prepared, rows, rejected.size(), wallSeconds, workers,
                sampleSeconds));
        for (RejectedRow r : rejected) {
            s.append("  rejected ").append(r).append('\n');
        }
        return s.toString();
    }

    /** A CSV field, quoted when it holds a comma, quote or line break. */
    static String csv(String value) {
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }
}
