package ai.merba.prepare.adapter;

import ai.merba.prepare.RejectedRow;
import java.util.List;

/**
 * What an adapter made of a sheet: the usable samples in sheet order and every other row with its reason.
 */
public record AdapterResult(List<AnnotatedSample> samples, List<RejectedRow> rejected) {
    public AdapterResult {
        samples = List.copyOf(samples);
        rejected = List.copyOf(rejected);
    }
}
