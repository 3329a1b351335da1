package ai.merba.prepare;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_optflow.DualTVL1OpticalFlow;

/**
 * Dense optical flow between two grey frames with OpenCV: TV-L1 ({@code DualTVL1OpticalFlow}) or Farnebäck.
 * Owns its native algorithm object: close it (try-with-resources). Not thread-safe — the TV-L1 object keeps
 * per-call buffers — so parallel code makes one estimator per worker thread.
 *
 * <p>Deterministic: making an estimator sets OpenCV's own thread pool to one thread for the whole process,
 * so the same frames always give bit-identical flow; {@code prepare} gets its speed from running samples in
 * parallel instead, which also scales better than OpenCV's row-parallel loops on small face crops.
 */
public final class OpticalFlowEstimator implements AutoCloseable {
    private final FlowMethod method;
    private final FarnebackParameters farneback;
    private final DualTVL1OpticalFlow tvL1;
    private boolean closed;

    public OpticalFlowEstimator(FlowConfig config) {
        this.method = config.method();
        this.farneback = config.farneback();
        opencv_core.setNumThreads(1);
        if (method == FlowMethod.TV_L1) {
            TvL1Parameters p = config.tvL1();
            tvL1 = DualTVL1OpticalFlow.create(p.tau(), p.lambda(), p.theta(), p.scales(), p.warps(), p.epsilon(),
                    p.innerIterations(), p.outerIterations(), p.scaleStep(), p.gamma(), p.medianFiltering(), false);
        } else {
            tvL1 = null;
        }
    }

    public FlowMethod method() {
        return method;
    }

    /**
     * The motion from {@code onset} to {@code apex}: a pixel at (x, y) in the onset frame is at
     * (x + u, y + v) in the apex frame.
     *
     * @throws IllegalArgumentException if the frames differ in size
     */
    public FlowField estimate(GreyFrame onset, GreyFrame apex) {
        if (closed) {
            throw new IllegalStateException("the estimator is closed");
        }
        if (onset.width() != apex.width() || onset.height() != apex.height()) {
            throw new IllegalArgumentException("onset is " + onset.width() + "×" + onset.height() + " but apex is "
                    + apex.width() + "×" + apex.height() + "; flow needs frames of one size");
        }
        try (PointerScope scope = new PointerScope()) {
            Mat from = Frames.toMat(onset);
            Mat to = Frames.toMat(apex);
            Mat flow = new Mat();
            if (method == FlowMethod.TV_L1) {
                tvL1.calc(from, to, flow);
            } else {
                FarnebackParameters p = farneback;
                opencv_video.calcOpticalFlowFarneback(from, to, flow, p.pyrScale(), p.levels(), p.windowSize(),
                        p.iterations(), p.polyN(), p.polySigma(),
                        p.gaussianWindow() ? opencv_video.OPTFLOW_FARNEBACK_GAUSSIAN : 0);
            }
            if (flow.type() != CV_32FC2 || flow.cols() != onset.width() || flow.rows() != onset.height()) {
                throw new IllegalStateException("OpenCV returned a flow of type " + flow.type() + " and size "
                        + flow.cols() + "×" + flow.rows());
            }
            Mat continuous = flow.isContinuous() ? flow : flow.clone();
            int n = onset.width() * onset.height();
            float[] interleaved = new float[2 * n];
            new FloatPointer(continuous.data()).get(interleaved);
            float[] u = new float[n];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                u[i] = interleaved[2 * i];
                v[i] = interleaved[2 * i + 1];
            }
            return new FlowField(onset.width(), onset.height(), u, v);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (tvL1 != null) {
                tvL1.close();
            }
        }
    }
}
