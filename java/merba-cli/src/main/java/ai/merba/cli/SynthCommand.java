package ai.merba.cli;

import ai.merba.data.SyntheticFlows;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a synthetic MER-like dataset (28×28 flow PNGs + manifest, megc-3 labels).")
final class SynthCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Output folder.")
    Path dir;

    @Option(names = "--subjects", defaultValue = "8", description = "Subjects (default: ${DEFAULT-VALUE}).")
    int subjects;

    @Option(names = "--per-class", defaultValue = "4", description = "Samples per class and subject (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        System.out.println("wrote " + SyntheticFlows.write(dir, subjects, perClass, seed));
        return MerbaCli.EXIT_OK;
    }
}
