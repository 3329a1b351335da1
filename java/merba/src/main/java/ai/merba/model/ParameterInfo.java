package ai.merba.model;

import java.util.Arrays;

/**
 * A named tensor of the network: a learned parameter, or a buffer (BatchNorm running statistics). Names are
 * module paths, the checkpoint format's tensor keys ({@code stages.0.blocks.0.mixers.1.A_log}).
 */
public record ParameterInfo(String name, long[] shape, boolean buffer) {
    public ParameterInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterInfo p && name.equals(p.name) && buffer == p.buffer && Arrays.equals(shape, p.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + (buffer ? " (buffer)" : "");
    }
}
