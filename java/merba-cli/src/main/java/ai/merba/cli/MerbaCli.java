package ai.merba.cli;

import ai.merba.Version;
import ai.merba.checkpoint.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code merba} command-line tool. Exit codes scripts can rely on: 0 success, 1 failure while running,
 * 2 bad usage or invalid input (options, configuration, manifest rows, files, checkpoints that are missing,
 * damaged or do not fit).
 */
@Command(name = "merba", mixinStandardHelpOptions = true, versionProvider = MerbaCli.VersionProvider.class,
        description = "Micro-expression recognition with MERba: prepare flows from frames, choose settings (cv),"
                + " evaluate (LOSO), train, predict, inspect and benchmark.",
        subcommands = {PrepareCommand.class, CvCommand.class, LosoCommand.class, TrainCommand.class, PredictCommand.class,
                InfoCommand.class, BenchCommand.class, SynthCommand.class, CommandLine.HelpCommand.class})
public final class MerbaCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_INVALID_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        ai.merba.internal.LoggingSetup.ensure();  // JavaCPP's notices through SLF4J, before anything native loads
        System.exit(execute(args));
    }

    /** Runs the tool in-process and returns its exit code (what {@link #main} exits with). */
    public static int execute(String... args) {
        return new CommandLine(new MerbaCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    Throwable cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
                    boolean invalidInput = cause instanceof IllegalArgumentException
                            || cause instanceof java.nio.file.NoSuchFileException
                            || (cause instanceof CheckpointException c && c.reason() != CheckpointException.Reason.IO);
                    cmd.getErr().println(cmd.getColorScheme().errorText("merba: " + describe(e)));
                    return invalidInput ? EXIT_INVALID_INPUT : EXIT_FAILURE;
                })
                .execute(args);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"merba " + Version.get()};
        }
    }

    /** The message, or for an exception without one (a bug), its type and the first cause that has a message. */
    static String describe(Throwable e) {
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage();
        }
        StringBuilder s = new StringBuilder(e.getClass().getName());
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return s.append(" (caused by ").append(c.getClass().getName()).append(": ").append(c.getMessage())
                        .append(')').toString();
            }
        }
        StackTraceElement[] where = e.getStackTrace();
        return where.length == 0 ? s.toString() : s.append(" at ").append(where[0]).toString();
    }
}
