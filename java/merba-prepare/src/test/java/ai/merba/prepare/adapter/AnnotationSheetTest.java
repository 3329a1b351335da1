package ai.merba.prepare.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV dialect of spreadsheet exports, and finding the header below a preamble. */
class AnnotationSheetTest {
    private static final List<List<String>> REQUIRED = List.of(List.of("Subject"), List.of("Onset Frame"));

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("sheet.csv");
        Files.write(f, text.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    @Test
    void readsQuotesCommasLineBreaksCrLfAndABom() throws IOException {
        AnnotationSheet sheet = AnnotationSheet.read(write("\uFEFFTitle row,,\r\n"
                + "Subject,OnsetFrame,Notes\r\n"
                + "01,46,\"a, \"\"b\"\"\r\nc\"\r\n"
                + ",,\r\n"
                + " 02 ,  7 ,plain\r\n"), REQUIRED);
        assertThat(sheet.headerLine()).isEqualTo(2);
        assertThat(sheet.rows()).hasSize(2);
        AnnotationSheet.Row first = sheet.rows().get(0);
        assertThat(first.line()).isEqualTo(3);
        assertThat(first.get(List.of("notes"))).contains("a, \"b\"\r\nc");
        assertThat(first.get(List.of("Onset Frame"))).contains("46");
        AnnotationSheet.Row second = sheet.rows().get(1);
        assertThat(second.line()).isEqualTo(6);
        assertThat(second.get(List.of("subject"))).contains("02");
        assertThat(second.get(List.of("Apex Frame"))).isEmpty();
    }

    @Test
    void columnNamesMatchIgnoringCaseSpacesAndPunctuation() {
        assertThat(AnnotationSheet.key("Onset Frame")).isEqualTo(AnnotationSheet.key("OnsetFrame"))
                .isEqualTo(AnnotationSheet.key("onset_frame")).isEqualTo("onsetframe");
        assertThat(AnnotationSheet.key("Objective class")).isNotEqualTo(AnnotationSheet.key("Objective Classes"));
    }

    @Test
    void anUnclosedQuoteNamesItsLine() throws IOException {
        Path f = write("Subject,OnsetFrame\n01,\"46\n02,7\n");
        assertThatThrownBy(() -> AnnotationSheet.read(f, REQUIRED)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opened on line 2 is never closed");
    }

    @Test
    void aSheetThatIsNotUtf8SaysHowToExportIt() throws IOException {
        Path f = dir.resolve("latin1.csv");
        Files.write(f, "Subject,OnsetFrame\n01,46 \u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> AnnotationSheet.read(f, REQUIRED)).hasMessageContaining("CSV UTF-8");
    }
}
