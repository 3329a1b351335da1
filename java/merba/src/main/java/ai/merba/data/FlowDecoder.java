package ai.merba.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads one flow file into the float layout the model takes: channel-major (C, H, W). Two formats (spec §6):
 *
 * <ul>
 *   <li>PNG / JPEG (by extension, read with {@code javax.imageio}): channels R, G, B are u, v, strain, already
 *       min-max normalised to 0–255 by whoever made them; each sample becomes {@code value / max}, so 8-bit
 *       images give byte/255 in [0, 1]. An alpha channel is ignored; palette images count as RGB.</li>
 *   <li>{@code .npy}: a NumPy v1/v2 file holding a C-order little-endian float32 array of shape (C, H, W), used
 *       as is. Non-finite values are rejected, since one NaN would poison a whole training run.</li>
 * </ul>
 *
 * <p>{@link #read} also says how the values encode motion and where zero motion lies ({@link DecodedFlow}).
 *
 * <p>The header is parsed here rather than with a library so that the project keeps no dependency for it, and
 * so that every way a file can be wrong gets a message that names the file and says what was expected.
 */
public final class FlowDecoder {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String NPY_FLOAT32 = "<f4";

    private FlowDecoder() {}

    /**
     * Decodes {@code file}, which must have exactly {@code channels} channels and {@code size}×{@code size}
     * pixels.
     *
     * @return a new array of length channels·size·size, index {@code (c·size + y)·size + x}
     * @throws IllegalArgumentException if the file is missing, unreadable, undecodable or of another shape; the
     *     message starts with the file's path
     */
    public static float[] decode(Path file, int channels, int size) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        return decode(file, file.toString(), channels, size);
    }

    /**
     * Decodes {@code file} with its encoding and zero-motion levels: images are {@link FlowEncoding#MIN_MAX} (zero
     * level: the per-channel median), {@code .npy} files {@link FlowEncoding#SIGNED} (zero level 0).
     *
     * @throws IllegalArgumentException as {@link #decode(Path, int, int)}
     */
    public static DecodedFlow read(Path file, int channels, int size) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        return read(file, file.toString(), channels, size);
    }

    /** As {@link #read(Path, int, int)}, naming the file {@code name} in messages (the manifest's spelling). */
    static DecodedFlow read(Path file, String name, int channels, int size) {
        return DecodedFlow.of(decode(file, name, channels, size), channels, encodingOf(file, name));
    }

    /** The encoding a file's extension implies. */
    static FlowEncoding encodingOf(Path file, String name) {
        String lower = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            return FlowEncoding.SIGNED;
        }
        if (lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            return FlowEncoding.MIN_MAX;
        }
        throw new IllegalArgumentException(name + ": unsupported file type; expected .png, .jpg, .jpeg or .npy");
    }

    /** As {@link #decode(Path, int, int)}, naming the file {@code name} in messages (the manifest's spelling). */
    static float[] decode(Path file, String name, int channels, int size) {
        checkShape(channels, size);
        FlowEncoding encoding = encodingOf(file, name);
        checkReadable(file, name, encoding == FlowEncoding.SIGNED ? maxNpyBytes(channels, size) : MAX_IMAGE_BYTES);
        return switch (encoding) {
            case SIGNED -> decodeNpy(file, name, channels, size);
            case MIN_MAX -> decodeImage(file, name, channels, size);
        };
    }

    static void checkShape(int channels, int size) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels = " + channels + " must be >= 1");
        }
        if (size < 1) {
            throw new IllegalArgumentException("size = " + size + " must be >= 1");
        }
        if ((long) channels * size * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("channels × size × size = " + channels + " × " + size + " × " + size
                    + " is too large for one array");
        }
    }

    /** The largest image file read (flow images are a few kB; this only stops a forged or wrong file early). */
    static final long MAX_IMAGE_BYTES = 64L << 20;

    /** The largest .npy file of a (C, S, S) float32 array: the data plus room for the header. */
    static long maxNpyBytes(int channels, int size) {
        return 4L * channels * size * size + 65_536;
    }

    /**
     * Refuses what cannot be a flow file before reading a byte of it: a missing path, a folder, a FIFO or device
     * (reading one blocks forever or never ends: {@code /dev/zero}), or a file larger than its format allows.
     */
    private static void checkReadable(Path file, String name, long maxBytes) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(name + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(name + ": not a regular file (a folder, FIFO or device)");
        }
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot read: " + describe(e), e);
        }
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(name + ": " + bytes + " bytes, more than the " + maxBytes
                    + " a flow file of this shape can have");
        }
    }

    // ---- images ----

    private static float[] decodeImage(Path file, String name, int channels, int size) {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException(name + ": cannot decode image: no image reader accepts its content");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // The declared size first: a forged header (20000 × 20000) must not make us decode it.
                int width = reader.getWidth(0), height = reader.getHeight(0);
                if (width != size || height != size) {
                    throw new IllegalArgumentException(name + ": is " + width + "×" + height
                            + " (width × height), expected " + size + "×" + size);
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException mine && mine.getMessage() != null
                    && mine.getMessage().startsWith(name + ": ")) {
                throw mine;
            }
            throw new IllegalArgumentException(name + ": cannot decode image: " + describe(e), e);
        }
        ColorModel colors = image.getColorModel();
        boolean palette = colors instanceof IndexColorModel;
        int found = palette ? 3 : colors.getNumColorComponents();
        if (found != channels) {
            throw new IllegalArgumentException(name + ": has " + found + (found == 1 ? " channel" : " channels")
                    + ", expected " + channels);
        }
        int width = image.getWidth();
        int height = image.getHeight();
        if (width != size || height != size) {
            throw new IllegalArgumentException(name + ": is " + width + "×" + height
                    + " (width × height), expected " + size + "×" + size);
        }
        float[] out = new float[channels * size * size];
        int plane = size * size;
        if (palette) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = image.getRGB(x, y);
                    int at = y * size + x;
                    out[at] = ((rgb >> 16) & 0xff) / 255f;
                    out[plane + at] = ((rgb >> 8) & 0xff) / 255f;
                    out[2 * plane + at] = (rgb & 0xff) / 255f;
                }
            }
            return out;
        }
        // Raster bands follow the colour model's components (R, G, B[, A]) whatever the byte layout in memory.
        Raster raster = image.getRaster();
        for (int c = 0; c < channels; c++) {
            float max = (float) ((1L << colors.getComponentSize(c)) - 1);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    out[c * plane + y * size + x] = raster.getSample(x, y, c) / max;
                }
            }
        }
        return out;
    }

    // ---- .npy ----

    private static float[] decodeNpy(Path file, String name, int channels, int size) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot read: " + describe(e), e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new IllegalArgumentException(name + ": not a .npy file: only " + bytes.length + " bytes");
        }
        for (int i = 0; i < NPY_MAGIC.length; i++) {
            if (bytes[i] != NPY_MAGIC[i]) {
                throw new IllegalArgumentException(name + ": not a .npy file: the magic string \\x93NUMPY is missing");
            }
        }
        int major = bytes[6] & 0xff;
        int minor = bytes[7] & 0xff;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException(name + ": truncated .npy header");
            }
            headerLength = buf.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException(name + ": .npy format version " + major + "." + minor
                    + " is not supported; expected 1.x or 2.x");
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IllegalArgumentException(name + ": truncated .npy header: it declares " + headerLength
                    + " bytes but the file has " + (bytes.length - headerStart) + " after the preamble");
        }
        String header = new String(bytes, headerStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        Map<String, Object> dict;
        try {
            dict = new HeaderParser(header).parse();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": malformed .npy header " + quote(header) + ": "
                    + e.getMessage(), e);
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String)) {
            throw new IllegalArgumentException(name + ": .npy header has no 'descr' string");
        }
        if (!NPY_FLOAT32.equals(descr)) {
            throw new IllegalArgumentException(name + ": .npy dtype '" + descr + "' is not supported; expected '"
                    + NPY_FLOAT32 + "' (little-endian float32)");
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw new IllegalArgumentException(name + ": .npy header has no 'fortran_order' True/False");
        }
        if ((Boolean) fortran) {
            throw new IllegalArgumentException(name + ": .npy array is in Fortran order; expected C order "
                    + "(fortran_order False)");
        }
        Object shape = dict.get("shape");
        if (!(shape instanceof List)) {
            throw new IllegalArgumentException(name + ": .npy header has no 'shape' tuple");
        }
        List<?> dims = (List<?>) shape;
        List<Long> expected = List.of((long) channels, (long) size, (long) size);
        if (!dims.equals(expected)) {
            throw new IllegalArgumentException(name + ": .npy shape " + tuple(dims) + ", expected (C, H, W) = "
                    + tuple(expected));
        }
        int count = channels * size * size;
        long dataStart = headerStart + headerLength;
        long dataBytes = bytes.length - dataStart;
        if (dataBytes != 4L * count) {
            throw new IllegalArgumentException(name + ": .npy data has " + dataBytes + " bytes, expected "
                    + 4L * count + " for shape " + tuple(expected));
        }
        float[] out = new float[count];
        buf.position((int) dataStart);
        buf.asFloatBuffer().get(out);
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(out[i])) {
                int plane = size * size;
                throw new IllegalArgumentException(name + ": .npy value " + out[i] + " at (c, y, x) = ("
                        + i / plane + ", " + (i % plane) / size + ", " + i % size + ") is not finite");
            }
        }
        return out;
    }

    private static String tuple(List<?> dims) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < dims.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(dims.get(i));
        }
        return s.append(dims.size() == 1 ? ",)" : ")").toString();
    }

    private static String quote(String header) {
        String trimmed = header.strip();
        return trimmed.length() > 120 ? trimmed.substring(0, 120) + "…" : trimmed;
    }

    /** The messages of an exception and its causes, e.g. ImageIO's "Caught exception during read: " plus why. */
    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage().strip();
            if (s.indexOf(m) < 0) {
                s.append(s.length() == 0 ? "" : s.charAt(s.length() - 1) == ':' ? " " : ": ").append(m);
            }
        }
        return s.toString();
    }

    /**
     * The header's Python literal: a dict whose keys are strings and whose values are strings, True/False or
     * tuples of non-negative integers — all that NumPy writes. Nothing is evaluated.
     */
    private static final class HeaderParser {
        private final String text;
        private int pos;

        HeaderParser(String text) {
            this.text = text;
        }

        Map<String, Object> parse() {
            Map<String, Object> dict = new LinkedHashMap<>();
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = string();
                expect(':');
                skipSpace();
                Object value = value();
                if (dict.put(key, value) != null) {
                    throw new IllegalArgumentException("key '" + key + "' repeats");
                }
                skipSpace();
                char c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ',' or '}' at offset " + (pos - 1));
                }
            }
            skipSpace();
            if (pos != text.length()) {
                throw new IllegalArgumentException("unexpected text after the dict at offset " + pos);
            }
            return dict;
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            throw new IllegalArgumentException("unsupported value at offset " + pos);
        }

        private List<Long> tuple() {
            expect('(');
            List<Long> items = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    return items;
                }
                int start = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                if (start == pos) {
                    throw new IllegalArgumentException("expected an integer at offset " + start);
                }
                try {
                    items.add(Long.parseLong(text.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("integer too large at offset " + start, e);
                }
                skipSpace();
                char c = next();
                if (c == ')') {
                    return items;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ',' or ')' at offset " + (pos - 1));
                }
            }
        }

        private String string() {
            char quote = next();
            if (quote != '\'' && quote != '"') {
                throw new IllegalArgumentException("expected a quoted string at offset " + (pos - 1));
            }
            int end = text.indexOf(quote, pos);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated string at offset " + (pos - 1));
            }
            String s = text.substring(pos, end);
            pos = end + 1;
            return s;
        }

        private void expect(char c) {
            skipSpace();
            if (next() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at offset " + (pos - 1));
            }
        }

        private char next() {
            if (pos >= text.length()) {
                throw new IllegalArgumentException("unexpected end of header");
            }
            return text.charAt(pos++);
        }

        private char peek() {
            if (pos >= text.length()) {
                throw new IllegalArgumentException("unexpected end of header");
            }
            return text.charAt(pos);
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }
    }
}
