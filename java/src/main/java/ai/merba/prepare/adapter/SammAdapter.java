package ai.merba.prepare.adapter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * SAMM (Davison et al. 2018). Its sheet ({@code SAMM_Micro_FACS_Codes_v2.xlsx}, exported to CSV) opens with
 * title rows before the header, which are skipped; columns used: {@code Subject} ({@code 006}, which
 * spreadsheets turn into {@code 6}), {@code Filename} ({@code 006_1_2}), {@code Onset Frame}, {@code Apex Frame},
 * {@code Estimated Emotion}. Frames are {@code 006/006_1_2/006_05562.jpg}, numbered as in the sheet.
 */
public final class SammAdapter extends SheetAdapter {
    static final List<String> ONSET = List.of("Onset Frame");
    static final List<String> APEX = List.of("Apex Frame");

    @Override
    public String dataset() {
        return "samm";
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
            names.add(String.format("%03d", n));
        }
        names.add(subject);
        return new ArrayList<>(names);
    }

    @Override
    long[] onsetAndApex(AnnotationSheet.Row row, FrameFolder frames) {
        return new long[] {frameNumber(row, ONSET), frameNumber(row, APEX)};
    }
}
