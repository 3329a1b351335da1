package ai.merba.prepare.adapter;

import ai.merba.prepare.FaceBox;
import java.nio.file.Path;

/**
 * A usable row of an annotation sheet: which frames to take the flow between, and the emotion as annotated.
 *
 * @param line the sheet line it came from
 * @param dataset the manifest's dataset name, e.g. {@code casme2}
 * @param subject the subject id as the manifest will write it (the subject's folder name, e.g. {@code sub01})
 * @param sample the sample id, unique within the subject
 * @param emotion the emotion as the sheet writes it (mapped to a class later, per label scheme)
 * @param onset the onset frame number
 * @param apex the apex frame number
 * @param onsetFile the onset frame's file
 * @param apexFile the apex frame's file
 * @param box the face box from the sheet, or {@code null}
 */
public record AnnotatedSample(int line, String dataset, String subject, String sample, String emotion, long onset,
        long apex, Path onsetFile, Path apexFile, FaceBox box) {}
