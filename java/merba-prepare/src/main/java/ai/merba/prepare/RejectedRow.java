package ai.merba.prepare;

import static ai.merba.internal.Preconditions.checkArgument;

/**
 * A sheet row that gave no sample, and why. Rows are never dropped silently: every one that cannot be used
 * ends up in the report with its line.
 *
 * @param line the 1-based line of the sheet the row starts on
 * @param subject the subject as written in the sheet ("" if the row has none)
 * @param sample the sample as written in the sheet ("" if the row has none)
 * @param reason what is wrong, e.g. {@code apex frame 59 not found in sub01/EP02_01f}
 */
public record RejectedRow(int line, String subject, String sample, String reason) {
    public RejectedRow {
        checkArgument(line >= 1, "line = %s must be >= 1", line);
        subject = subject == null ? "" : subject;
        sample = sample == null ? "" : sample;
        checkArgument(!(reason == null || reason.isEmpty()), "reason must not be empty");
    }

    @Override
    public String toString() {
        return "line " + line + (subject.isEmpty() && sample.isEmpty() ? "" : " (" + subject + "/" + sample + ")")
                + ": " + reason;
    }
}
