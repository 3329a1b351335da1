package ai.merba.model;

import java.util.List;

/**
 * Size and cost of a network: parameters per top-level module ({@code stem}, {@code stages.i}, {@code norm},
 * {@code head}), an analytic estimate of the FLOPs of one sample's forward pass (a multiply-add is 2 FLOPs;
 * element-wise activations and normalisations are left out), and every named tensor.
 */
public record ModelSummary(long totalParameters, double flopsPerSample, List<ModuleCost> modules,
        List<ParameterInfo> tensors) {

    public record ModuleCost(String name, long parameters, double flops) {}

    public ModelSummary {
        modules = List.copyOf(modules);
        tensors = List.copyOf(tensors);
    }

    /** A readable table of the modules. */
    public String table() {
        StringBuilder s = new StringBuilder(String.format("%-12s %12s %14s%n", "module", "parameters", "MFLOPs/sample"));
        for (ModuleCost m : modules) {
            s.append(String.format("%-12s %,12d %14.2f%n", m.name(), m.parameters(), m.flops() / 1e6));
        }
        s.append(String.format("%-12s %,12d %14.2f%n", "total", totalParameters, flopsPerSample / 1e6));
        return s.toString();
    }

    @Override
    public String toString() {
        return table();
    }
}
