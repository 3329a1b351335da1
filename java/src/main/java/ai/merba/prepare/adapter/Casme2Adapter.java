package ai.merba.prepare.adapter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * CASME II (Yan et al. 2014). The sheet ({@code CASME2-coding-*.xlsx}, exported to CSV) has {@code Subject}
 * (1–26, often written {@code 01}), {@code Filename} ({@code EP02_01f}), {@code OnsetFrame}, {@code ApexFrame},
 * {@code OffsetFrame}, {@code Action Units}, {@code Estimated Emotion}. Frames are
 * {@code sub01/EP02_01f/img46.jpg} ({@code CASME2-RAW}) or {@code reg_img46.jpg} ({@code Cropped}): point the
 * root at either. A few rows give the apex as {@code /}: they are reported, not guessed.
 */
public final class Casme2Adapter extends SheetAdapter {
    static final List<String> ONSET = List.of("OnsetFrame");
    static final List<String> APEX = List.of("ApexFrame");

    @Override
    public String dataset() {
        return "casme2";
    }

    @Override
    List<List<String>> requiredColumns() {
        return List.of(SUBJECT, FILENAME, ONSET, APEX, ESTIMATED_EMOTION);
    }

    @Override
    List<String> subjectFolders(String subject) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        int n = digits(subject);
        if (n >= 0) {
            names.add(String.format("sub%02d", n));
        }
        names.add(subject);
        return new ArrayList<>(names);
    }

    @Override
    long[] onsetAndApex(AnnotationSheet.Row row, FrameFolder frames) {
        return new long[] {frameNumber(row, ONSET), frameNumber(row, APEX)};
    }
}
