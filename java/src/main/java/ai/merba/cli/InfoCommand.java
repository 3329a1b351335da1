package ai.merba.cli;

import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a model's configuration, label scheme, parameters per module and FLOPs per sample.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--parameters", description = "Also list every parameter and buffer with its shape.")
    boolean listParameters;

    @Override
    public Integer call() throws Exception {
        ModelConfig config = model.modelConfig();
        LabelScheme labels = model.labelScheme();
        System.out.println("config: " + config.toJson());
        System.out.println("labels: " + labels.toJson());
        try (MerbaModel m = MerbaModel.create(config, labels, 0)) {
            System.out.print(m.summary().table());
            if (listParameters) {
                m.parameters().forEach(p -> System.out.println("  " + p));
            }
        }
        return MerbaCli.EXIT_OK;
    }
}
