package ai.merba.prepare.adapter;

import java.util.List;

/**
 * CAS(ME)³ Part A (Li et al. 2022). Its label sheet ({@code cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx}, exported
 * to CSV) has {@code Subject} ({@code spNO.1}), {@code Filename} (the long clip, {@code a}), {@code Onset},
 * {@code Apex}, {@code Offset}, {@code AU}, {@code Objective class}, {@code emotion}. Frames are
 * {@code spNO.1/a/color/123.jpg}. One clip holds several micro-expressions, so the sample id is the clip and
 * the onset ({@code a_123}).
 */
public final class Casme3Adapter extends SheetAdapter {
    static final List<String> ONSET = List.of("Onset");
    static final List<String> APEX = List.of("Apex");

    @Override
    public String dataset() {
        return "casme3";
    }

    @Override
    List<List<String>> requiredColumns() {
        return List.of(SUBJECT, FILENAME, ONSET, APEX, ESTIMATED_EMOTION);
    }

    @Override
    List<String> subjectFolders(String subject) {
        return List.of(subject);
    }

    @Override
    String sampleId(String clip, long onset) {
        return clip + "_" + onset;
    }

    @Override
    long[] onsetAndApex(AnnotationSheet.Row row, FrameFolder frames) {
        return new long[] {frameNumber(row, ONSET), frameNumber(row, APEX)};
    }
}
