package ai.merba.cli;

import ai.merba.eval.EvaluationReport;
import ai.merba.eval.EvaluationReportHtml;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where an evaluating command writes its report: JSON and a self-contained HTML page. */
final class ReportOptions {
    @Option(names = "--report", description = "Write the JSON report here.")
    Path json;

    @Option(names = "--html", description = "Write a self-contained HTML report (curves, confusion heat map, bars) here.")
    Path html;

    /**
     * Checks before any work that the reports can be written (the folders exist and are writable) and overwrite
     * none of the command's inputs.
     */
    void checkWritable(Path... inputs) {
        OutputPaths.checkWritable(json, "--report");
        OutputPaths.checkWritable(html, "--html");
        OutputPaths.checkNotInput(json, "--report", inputs);
        OutputPaths.checkNotInput(html, "--html", inputs);
        OutputPaths.checkApart(json, "--report", html, "--html");
    }

    /** Writes both reports; a failed write does not stop the other one (the run's results are not lost twice). */
    void write(EvaluationReport report, PrintStream out) throws IOException {
        IOException failure = null;
        if (json != null) {
            try {
                Files.writeString(json, report.toJson());
                out.println("report: " + json);
            } catch (IOException e) {
                failure = new IOException("could not write the report " + json + ": " + e.getMessage(), e);
            }
        }
        if (html != null) {
            try {
                Files.writeString(html, EvaluationReportHtml.render(report));
                out.println("html report: " + html);
            } catch (IOException e) {
                IOException f = new IOException("could not write the html report " + html + ": " + e.getMessage(), e);
                if (failure == null) {
                    failure = f;
                } else {
                    failure.addSuppressed(f);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
