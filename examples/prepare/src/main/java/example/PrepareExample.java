package example;

import ai.merba.data.DecodedFlow;
import ai.merba.data.FlowDecoder;
import ai.merba.model.LabelScheme;
import ai.merba.model.MerbaModel;
import ai.merba.model.ModelConfig;
import ai.merba.prepare.FaceCropMode;
import ai.merba.prepare.FlowConfig;
import ai.merba.prepare.FlowExtractor;
import ai.merba.prepare.FlowFormat;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** From an onset and an apex frame to a flow file (merba-prepare, OpenCV's TV-L1), then to a prediction. */
public final class PrepareExample {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("merba-prepare-");
        Path onset = frame(dir.resolve("onset.png"), 0), apex = frame(dir.resolve("apex.png"), 2);

        // --- README: "From a database to flows", one sample from Java ---
        FlowConfig config = FlowConfig.builder().optCrop(FaceCropMode.NONE).optFormat(FlowFormat.NPY).build();
        Path flowFile = dir.resolve("sample.npy");
        try (FlowExtractor extractor = new FlowExtractor(config)) {   // OpenCV's TV-L1 optical flow
            extractor.extract(onset, apex, null, flowFile);
        }
        DecodedFlow flow = FlowDecoder.read(flowFile, 3, 28);
        try (MerbaModel model = MerbaModel.create(ModelConfig.preset("composite-28"), LabelScheme.builtIn("megc-3"), 1)) {
            model.eval();
            System.out.println(model.predict(flow.input(model.inputCentring()), 1).get(0).fineLabel());
        }
        // --- end of the README's code ---

        System.out.println("prepare example: OK");
    }

    /** A 96×96 grey frame: a bright blob moved right by {@code shift} pixels between onset and apex. */
    private static Path frame(Path file, int shift) throws Exception {
        BufferedImage image = new BufferedImage(96, 96, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 96; y++) {
            for (int x = 0; x < 96; x++) {
                double d = Math.hypot(x - 40 - shift, y - 48);
                image.getRaster().setSample(x, y, 0, (int) (60 + 150 * Math.exp(-d * d / 200)));
            }
        }
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
