package ai.merba.cli;

import ai.merba.model.LabelScheme;
import ai.merba.prepare.DatasetPreparer;
import ai.merba.prepare.FaceCropMode;
import ai.merba.prepare.FlowConfig;
import ai.merba.prepare.FlowFormat;
import ai.merba.prepare.FlowMethod;
import ai.merba.prepare.PrepareReport;
import ai.merba.prepare.adapter.AdapterResult;
import ai.merba.prepare.adapter.Database;
import ai.merba.prepare.adapter.EmotionMapping;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Turn a database's frames and annotation sheet into flow images and a manifest: onset and apex"
                + " frames → grey → optional face crop → optical flow (OpenCV TV-L1 or Farnebäck) → u, v, optical"
                + " strain → resize → PNG or .npy. Rows that cannot be used are listed, never dropped silently.")
final class PrepareCommand implements Callable<Integer> {
    @Option(names = "--database", required = true,
            description = "casme2, samm, smic or casme3: which sheet layout and folder layout to expect.")
    String database;

    @Option(names = "--frames", required = true, description = "The database's frame folder (e.g. CASME2-RAW).")
    Path frames;

    @Option(names = "--sheet", required = true,
            description = "The annotation sheet: the .xlsx workbook as shipped, or a CSV export.")
    Path sheet;

    @Option(names = "--out", required = true,
            description = "Output folder: manifest.csv, flows/, prepare-report.csv, flow-config.json.")
    Path out;

    @Option(names = "--labels", defaultValue = "megc-3",
            description = "Label scheme: megc-3, casme2-5, samm-5, casme3-7 or a JSON file"
                    + " (default: ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--flow-config",
            description = "Flow config JSON (docs/prepare.md); the options below override it.")
    Path flowConfig;

    @Option(names = "--method", description = "tv-l1 or farneback.")
    String method;

    @Option(names = "--crop", description = "none, box (the sheet's Face X/Y/Width/Height) or detect.")
    String crop;

    @Option(names = "--output-size", description = "Side of the flow images (default 28).")
    Integer outputSize;

    @Option(names = "--format", description = "png or npy.")
    String format;

    @Option(names = "--workers", description = "Parallel workers (default: the number of cores).")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        // Apache POI (the .xlsx reader) logs through the Log4j API, and the tool ships no Log4j implementation:
        // without a factory named, Log4j prints an error line on every run. Its built-in simple logger (errors
        // only) is enough here; a -D setting of the user's wins.
        if (System.getProperty("log4j2.loggerContextFactory") == null
                && System.getProperty("log4j.provider") == null) {
            System.setProperty("log4j2.loggerContextFactory",
                    "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        }
        FlowConfig config = flowConfig();
        LabelScheme scheme = labels.endsWith(".json") || Files.isRegularFile(Path.of(labels))
                ? LabelScheme.fromJson(Path.of(labels)) : LabelScheme.builtIn(labels);
        int threads = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        Database db = Database.parse(database);
        AdapterResult annotations = db.adapter().read(sheet, frames);
        System.out.printf("prepare %s: %d usable rows, %d rejected by the sheet; %s, %s, %d workers%n", db,
                annotations.samples().size(), annotations.rejected().size(), config.method(), scheme.name(), threads);
        ConsoleProgress bar = new ConsoleProgress(System.err, System.console() != null
                && !"false".equals(System.getProperty("merba.progress")));
        PrepareReport report = new DatasetPreparer(config, threads).withProgress(bar::update)
                .prepare(annotations, EmotionMapping.forScheme(scheme), out);
        bar.finish();
        System.out.print(report.summary());
        System.out.println("rejected rows: " + out.resolve("prepare-report.csv"));
        if (report.manifest() == null) {
            System.err.println("merba: no row of " + sheet + " could be prepared");
            return MerbaCli.EXIT_INVALID_INPUT;
        }
        System.out.println("manifest: " + report.manifest());
        return MerbaCli.EXIT_OK;
    }

    private FlowConfig flowConfig() throws java.io.IOException {
        FlowConfig base = flowConfig != null ? FlowConfig.fromJson(flowConfig) : FlowConfig.defaults();
        FlowConfig.Builder b = base.toBuilder();
        if (method != null) {
            b.optMethod(FlowMethod.parse(method));
        }
        if (crop != null) {
            b.optCrop(FaceCropMode.parse(crop));
        }
        if (outputSize != null) {
            b.optOutputSize(outputSize);
        }
        if (format != null) {
            b.optFormat(FlowFormat.parse(format));
        }
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1");
        }
        return b.build();
    }

    /** One line redrawn in place, like the training ProgressBar; off when the output is not a terminal. */
    private static final class ConsoleProgress {
        private static final int WIDTH = 30;
        private final PrintStream out;
        private final boolean enabled;

        ConsoleProgress(PrintStream out, boolean enabled) {
            this.out = out;
            this.enabled = enabled;
        }

        synchronized void update(int done, int total) {
            if (enabled) {
                int filled = (int) ((long) WIDTH * done / Math.max(1, total));
                out.printf("\rflows [%s%s] %d/%d", "=".repeat(filled), " ".repeat(WIDTH - filled), done, total);
                out.flush();
            }
        }

        synchronized void finish() {
            if (enabled) {
                out.print("\r" + " ".repeat(WIDTH + 30) + "\r");
                out.flush();
            }
        }
    }
}
