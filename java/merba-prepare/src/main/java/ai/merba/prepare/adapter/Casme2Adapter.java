package ai.merba.prepare.adapter;

import java.util.List;

/**
 * CASME II (Yan et al. 2014). The sheet ({@code CASME2-coding-*.xlsx}) has {@code Subject}
 * (1–26, often written {@code 01}), {@code Filename} ({@code EP02_01f}), {@code OnsetFrame}, {@code ApexFrame},
 * {@code OffsetFrame}, {@code Action Units}, {@code Estimated Emotion}. Frames are
 * {@code sub01/EP02_01f/img46.jpg} ({@code CASME2-RAW}) or {@code reg_img46.jpg} ({@code Cropped}): point the
 * root at either. A row whose apex is not a frame number (a sheet may write {@code /}) is reported, not
 * guessed.
 */
public final class Casme2Adapter extends SheetAdapter {
    public Casme2Adapter() {
        super("casme2", List.of("OnsetFrame"), List.of("ApexFrame"));
    }

    @Override
    List<String> subjectFolders(String subject) {
        return numberedFolders(subject, "sub%02d");
    }
}
