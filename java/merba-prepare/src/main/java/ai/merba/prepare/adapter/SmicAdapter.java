package ai.merba.prepare.adapter;

import java.util.List;

/**
 * SMIC (Li et al. 2013), HS, VIS or NIR. SMIC annotates no apex and ships no common sheet: its samples are clips
 * already cut from onset to offset, labelled by folder ({@code s1/micro/negative/s1_ne_01/image046.bmp}). The
 * sheet this adapter reads has {@code Subject} ({@code 1} or {@code s1}), {@code Filename} ({@code s1_ne_01}),
 * {@code Emotion} ({@code negative}, {@code positive}, {@code surprise}) and optionally {@code OnsetFrame} and
 * {@code OffsetFrame}; without them the clip's first and last frames are taken. The apex is the middle frame
 * present between onset and offset, the convention of the MEGC 2019 composite benchmark.
 */
public final class SmicAdapter extends SheetAdapter {
    static final List<String> ONSET = List.of("OnsetFrame", "Onset");
    static final List<String> OFFSET = List.of("OffsetFrame", "Offset");

    public SmicAdapter() {
        super("smic", ONSET, null);
    }

    @Override
    List<List<String>> requiredColumns() {
        return List.of(SUBJECT, FILENAME, emotionColumn());
    }

    @Override
    List<String> subjectFolders(String subject) {
        return numberedFolders(subject, "s%d", "s%02d");
    }

    @Override
    long[] onsetAndApex(AnnotationSheet.Row row, FrameFolder frames) {
        long[] range = frames.range().orElseThrow(() -> new IllegalArgumentException("no numbered frames in "
                + frames.folder()));
        long onset = row.get(ONSET).isPresent() ? frameNumber(row, ONSET) : range[0];
        long offset = row.get(OFFSET).isPresent() ? frameNumber(row, OFFSET) : range[1];
        List<Long> between = frames.numbersBetween(onset, offset);
        if (between.isEmpty()) {
            throw new IllegalArgumentException("no frames between onset " + onset + " and offset " + offset + " in "
                    + frames.folder());
        }
        frames.frame(onset);
        return new long[] {onset, between.get((between.size() - 1) / 2)};
    }
}
