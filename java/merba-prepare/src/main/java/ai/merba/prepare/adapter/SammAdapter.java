package ai.merba.prepare.adapter;

import java.util.List;

/**
 * SAMM (Davison et al. 2018). Its sheet ({@code SAMM_Micro_FACS_Codes_v2.xlsx}) opens with
 * title rows before the header, which are skipped; columns used: {@code Subject} ({@code 006}, which
 * spreadsheets turn into {@code 6}), {@code Filename} ({@code 006_1_2}), {@code Onset Frame}, {@code Apex Frame},
 * {@code Estimated Emotion}. Frames are {@code 006/006_1_2/006_05562.jpg}, numbered as in the sheet.
 */
public final class SammAdapter extends SheetAdapter {
    public SammAdapter() {
        super("samm", List.of("Onset Frame"), List.of("Apex Frame"));
    }

    @Override
    List<String> subjectFolders(String subject) {
        return numberedFolders(subject, "%03d");
    }
}
