package ai.merba.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.merba.data.ManifestException.RowError;
import ai.merba.model.LabelScheme;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    /** The real composite (read-only, outside the repository; tests using it are skipped where it is absent). */
    // The shared data beside the checkout (../shared), read at run time, never copied into the repository.
    static final Path COMPOSITE = Path.of(System.getProperty("merba.testData", "../../test-data"))
            .resolve("../../shared/data/megc-composite-dev/manifest.csv").normalize();
    static final LabelScheme MEGC3 = LabelScheme.builtIn("megc-3");

    @TempDir
    Path dir;

    @BeforeEach
    void images() throws IOException {
        Files.createDirectories(dir.resolve("flows"));
        png("flows/a.png", 4, BufferedImage.TYPE_INT_RGB);
        png("flows/b.png", 4, BufferedImage.TYPE_INT_RGB);
        png("flows/c.png", 4, BufferedImage.TYPE_INT_RGB);
        png("flows/big.png", 5, BufferedImage.TYPE_INT_RGB);
        png("flows/grey.png", 4, BufferedImage.TYPE_BYTE_GRAY);
    }

    private void png(String name, int size, int type) throws IOException {
        ImageIO.write(new BufferedImage(size, size, type), "png", dir.resolve(name).toFile());
    }

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("manifest.csv"), text);
    }

    private Manifest load(String text) throws IOException {
        return Manifest.load(csv(text), MEGC3, 3, 4);
    }

    @Test
    void realCompositeManifest() {
        Assumptions.assumeTrue(Files.isRegularFile(COMPOSITE), "the shared composite data is not present");
        Manifest m = Manifest.load(COMPOSITE, MEGC3, 3, 28);
        assertThat(m.samples()).hasSize(309);
        assertThat(m.subjects()).hasSize(40).startsWith("s01");
        assertThat(m.datasets()).containsExactly("smic", "casme2");
        int[] counts = new int[3];
        m.samples().forEach(s -> counts[s.label()]++);
        assertThat(counts).containsExactly(158, 83, 68);
        Sample first = m.samples().get(0);
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.dataset()).isEqualTo("smic");
        assertThat(first.subject()).isEqualTo("s01");
        assertThat(first.file()).isRegularFile();
        assertThat(m.samples().get(308).line()).isEqualTo(310);
    }

    @Test
    void readsNamesIndicesQuotesExtraColumnsAnyOrderAndBlankLines() throws IOException {
        Manifest m = load("""
                file,onset,label,sample,subject,dataset
                flows/a.png,12,negative,x1,s1,smic

                "flows/b.png",13,2," x, ""2"" ",s1,smic
                flows/c.png,,1,x3,s2,casme2
                """);
        assertThat(m.samples()).extracting(Sample::line).containsExactly(2, 4, 5);
        assertThat(m.samples()).extracting(Sample::label).containsExactly(0, 2, 1);
        assertThat(m.samples().get(1).sample()).isEqualTo(" x, \"2\" ");
        assertThat(m.samples().get(1).file()).isEqualTo(dir.resolve("flows/b.png").toAbsolutePath().normalize());
        assertThat(m.subjects()).containsExactly("s1", "s2");
        assertThat(m.datasets()).containsExactly("smic", "casme2");
        assertThat(m.labels()).isSameAs(MEGC3);
        assertThat(m.channels()).isEqualTo(3);
        assertThat(m.inputSize()).isEqualTo(4);
    }

    @Test
    void everyBadRowIsReportedInOneException() throws IOException {
        String text = """
                dataset,subject,sample,label,file
                smic,s1,ok,negative,flows/a.png
                smic,s1,missing,negative,flows/nothere.png
                smic,s1,badlabel,anger,flows/b.png
                smic,s2,big,positive,flows/big.png
                smic,,nosubject,,flows/c.png
                smic,s2,short,positive
                smic,s1,ok,surprise,flows/c.png
                smic,s3,grey,3,flows/grey.png
                """;
        ManifestException e = catchThrowableOfType(() -> load(text), ManifestException.class);
        assertThat(e).isNotNull();
        assertThat(e.errors()).extracting(RowError::line).containsExactly(3, 4, 5, 6, 7, 8, 9);
        List<String> messages = e.errors().stream().map(RowError::message).toList();
        assertThat(messages.get(0)).contains("file 'flows/nothere.png' does not exist");
        assertThat(messages.get(1)).contains("unknown label 'anger'");
        assertThat(messages.get(2)).contains("flows/big.png", "5×5", "expected 4×4");
        assertThat(messages.get(3)).contains("empty subject, label");
        assertThat(messages.get(4)).contains("has 4 columns, the header has 5");
        assertThat(messages.get(5)).contains("duplicate sample", "(smic, s1, ok)", "first on line 2");
        // Two problems on one row: both on its one line.
        assertThat(messages.get(6)).contains("unknown label '3'", "has 1 channel, expected 3");
        assertThat(e.getMessage()).contains("7 errors")
                .contains("\nline 3: file 'flows/nothere.png' does not exist")
                .contains("\nline 9: ");
        assertThat(e).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingHeaderColumnsAreNamed() throws IOException {
        ManifestException e = catchThrowableOfType(() -> load("""
                dataset,subject,id,file
                smic,s1,a,flows/a.png
                """), ManifestException.class);
        assertThat(e.errors()).hasSize(2).allSatisfy(r -> assertThat(r.line()).isEqualTo(1));
        assertThat(e.getMessage()).contains("missing required column 'sample'", "missing required column 'label'");
    }

    @Test
    void emptyAndHeaderOnlyManifests() throws IOException {
        assertThatThrownBy(() -> load("")).isInstanceOf(ManifestException.class).hasMessageContaining("no header");
        assertThatThrownBy(() -> load("dataset,subject,sample,label,file\n\n"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("no samples");
    }

    @Test
    void unterminatedQuoteIsARowError() throws IOException {
        ManifestException e = catchThrowableOfType(() -> load("""
                dataset,subject,sample,label,file
                smic,s1,"open,negative,flows/a.png
                """), ManifestException.class);
        assertThat(e.errors()).singleElement().satisfies(r -> {
            assertThat(r.line()).isEqualTo(2);
            assertThat(r.message()).contains("unterminated quote");
        });
    }

    @Test
    void argumentsAreChecked() throws IOException {
        Path csv = csv("dataset,subject,sample,label,file\nsmic,s1,a,0,flows/a.png\n");
        assertThatThrownBy(() -> Manifest.load(dir.resolve("absent.csv"), MEGC3, 3, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent.csv");
        assertThatThrownBy(() -> Manifest.load(csv, null, 3, 4)).hasMessageContaining("labels");
        assertThatThrownBy(() -> Manifest.load(csv, MEGC3, 0, 4)).hasMessageContaining("channels = 0");
    }

    @Test
    void csvSplitting() {
        assertThat(Manifest.splitCsv("a, b ,c")).containsExactly("a", "b", "c");
        assertThat(Manifest.splitCsv("\"a,b\",\"\"\"q\"\"\",")).containsExactly("a,b", "\"q\"", "");
        assertThat(Manifest.splitCsv("")).containsExactly("");
        assertThatThrownBy(() -> Manifest.splitCsv("\"a\"b,c")).hasMessageContaining("after the closing quote");
    }
}
