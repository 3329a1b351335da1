package ai.merba.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Haar face detector shipped in the OpenCV jar. */
class FaceDetectorTest {
    @Test
    void loadsFromTheOpenCvJarAndFindsNoFaceInATexture() {
        try (FaceDetector detector = new FaceDetector()) {
            assertThat(detector.detect(new SyntheticFrames(7).frame(160, 120))).isEmpty();
        }
    }

    @Test
    void aBoxGrowsByTheMarginAndStaysInsideTheFrame() {
        FaceBox box = new FaceBox(10, 20, 100, 50);
        assertThat(box.expandedWithin(0.1, 200, 200)).isEqualTo(new FaceBox(0, 15, 120, 60));
        assertThat(box.expandedWithin(0.1, 115, 72)).isEqualTo(new FaceBox(0, 15, 115, 57));
    }
}
