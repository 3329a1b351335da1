package ai.merba.prepare;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One sample's whole path from frames to a flow file: read both frames as grey → the same face crop on both →
 * optional resize → optical flow → u, v and optical strain → resize to the output size → write. Owns the
 * native estimator (and face detector, when the config detects faces): one per worker thread; close it.
 */
public final class FlowExtractor implements AutoCloseable {
    private final FlowConfig config;
    private final OpticalFlowEstimator estimator;
    private final FaceDetector detector;

    public FlowExtractor(FlowConfig config) {
        this.config = config;
        this.estimator = new OpticalFlowEstimator(config);
        FaceDetector d = null;
        try {
            d = config.crop() == FaceCropMode.DETECT ? new FaceDetector() : null;
        } catch (RuntimeException e) {
            estimator.close();
            throw e;
        }
        this.detector = d;
    }

    public FlowConfig config() {
        return config;
    }

    /**
     * Computes and writes the flow file of one sample.
     *
     * @param box the face box for {@link FaceCropMode#BOX} (ignored otherwise)
     * @return the three planes written, before normalisation (u, v in output pixels; strain)
     * @throws IllegalArgumentException if a frame is missing or unreadable, the frames differ in size, the box is
     *     missing or outside the frame, or no face is found; the message names the file or the problem
     */
    public float[][] extract(Path onsetFile, Path apexFile, FaceBox box, Path out) {
        GreyFrame onset = Frames.readGrey(onsetFile);
        GreyFrame apex = Frames.readGrey(apexFile);
        if (onset.width() != apex.width() || onset.height() != apex.height()) {
            throw new IllegalArgumentException("onset frame " + onsetFile.getFileName() + " is " + onset.width() + "×"
                    + onset.height() + " but apex frame " + apexFile.getFileName() + " is " + apex.width() + "×"
                    + apex.height());
        }
        Optional<FaceBox> crop = cropBox(onset, box);
        if (crop.isPresent()) {
            onset = onset.crop(crop.get());
            apex = apex.crop(crop.get());
        }
        float[][] planes = flowPlanes(onset, apex);
        FlowWriter.write(out, planes, config.outputSize(), config.format(), config.normalise());
        return planes;
    }

    /** u, v, strain at the output size, from two frames already cropped. */
    float[][] flowPlanes(GreyFrame onset, GreyFrame apex) {
        if (config.flowSize() > 0) {
            onset = Frames.resize(onset, config.flowSize());
            apex = Frames.resize(apex, config.flowSize());
        }
        FlowField flow = estimator.estimate(onset, apex);
        // Strain first, at the flow's own resolution: derivatives of the resized field would be smoothed twice.
        float[] strain = OpticalStrain.compute(flow);
        int size = config.outputSize();
        float[] u = Frames.resize(flow.u(), flow.width(), flow.height(), size);
        float[] v = Frames.resize(flow.v(), flow.width(), flow.height(), size);
        float[] e = Frames.resize(strain, flow.width(), flow.height(), size);
        // Displacements shrink with the grid; strain, a ratio of displacements, does not.
        scale(u, (float) size / flow.width());
        scale(v, (float) size / flow.height());
        return new float[][] {u, v, e};
    }

    private Optional<FaceBox> cropBox(GreyFrame onset, FaceBox box) {
        switch (config.crop()) {
            case NONE:
                return Optional.empty();
            case BOX:
                if (box == null) {
                    throw new IllegalArgumentException("crop is 'box' but the sample has no face box");
                }
                box.requireInside(onset.width(), onset.height());
                return Optional.of(box);
            case DETECT:
                FaceBox face = detector.detect(onset)
                        .orElseThrow(() -> new IllegalArgumentException("no face found in the onset frame"));
                return Optional.of(face.expandedWithin(config.faceMargin(), onset.width(), onset.height()));
            default:
                throw new IllegalStateException("crop " + config.crop());
        }
    }

    private static void scale(float[] plane, float factor) {
        for (int i = 0; i < plane.length; i++) {
            plane[i] *= factor;
        }
    }

    @Override
    public void close() {
        estimator.close();
        if (detector != null) {
            detector.close();
        }
    }
}
