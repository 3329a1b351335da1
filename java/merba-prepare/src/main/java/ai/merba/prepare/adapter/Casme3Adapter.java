package ai.merba.prepare.adapter;

import java.util.List;

/**
 * CAS(ME)³ Part A (Li et al. 2022). Its label sheet ({@code cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx}) has
 * {@code Subject} ({@code spNO.1}), {@code Filename} (the long clip, {@code a}), {@code Onset}, {@code Apex},
 * {@code Offset}, {@code AU}, {@code Objective class}, {@code emotion}. Frames are
 * {@code spNO.1/a/color/123.jpg}. One clip holds several micro-expressions, so the sample id is the clip and
 * the onset ({@code a_123}).
 */
public final class Casme3Adapter extends SheetAdapter {
    public Casme3Adapter() {
        super("casme3", List.of("Onset"), List.of("Apex"));
    }

    @Override
    List<String> subjectFolders(String subject) {
        return List.of(subject);
    }


    @Override
    String sampleId(String clip, long onset) {
        return clip + "_" + onset;
    }
}
