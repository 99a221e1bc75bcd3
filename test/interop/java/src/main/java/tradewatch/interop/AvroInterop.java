package tradewatch.interop;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Apache Avro for Java (the reference implementation) as a command-line tool, for the interop test
 * test/interop/java-avro.test.ts. Input on stdin and output on stdout are UTF-8, one item per line.
 *
 * <pre>
 * fingerprint &lt;schema.avsc&gt;
 *     line 1: the CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form as the 8 bytes
 *             single-object encoding puts on the wire (little-endian), 16 lowercase hex characters
 *     line 2: the Parsing Canonical Form
 * encode &lt;schema.avsc&gt;
 *     stdin:  one record per line in Avro's JSON encoding (unions as {"type": value})
 *     stdout: each record single-object encoded (BinaryMessageEncoder), base64, one per line
 * decode &lt;reader.avsc&gt; [writer.avsc ...]
 *     stdin:  single-object-encoded records, base64, one per line
 *     stdout: each record decoded (BinaryMessageDecoder, which knows the reader schema and the
 *             given writer schemas) and resolved to the reader schema, in Avro's JSON encoding
 * </pre>
 *
 * <p>Exit status 0 on success; 1 with a message on stderr when an input cannot be processed (naming
 * its line); 2 on bad usage.
 */
public final class AvroInterop {
  private static final String USAGE =
      "usage: AvroInterop fingerprint <schema.avsc>\n"
          + "       AvroInterop encode <schema.avsc>          (Avro JSON lines on stdin)\n"
          + "       AvroInterop decode <reader.avsc> [writer.avsc ...]  (base64 lines on stdin)";

  private AvroInterop() {}

  /** A failure to report on stderr with the exit status. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Failure(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }

  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    try {
      run(args, out);
      out.flush();
      System.exit(0);
    } catch (Failure f) {
      out.flush();
      System.err.println("AvroInterop: " + f.getMessage());
      if (f.getCause() != null) f.getCause().printStackTrace(System.err);
      System.exit(f.status);
    } catch (Exception e) {
      out.flush();
      System.err.println("AvroInterop: unexpected error: " + e);
      e.printStackTrace(System.err);
      System.exit(1);
    }
  }

  private static void run(String[] args, PrintStream out) throws Failure, IOException {
    if (args.length < 2) throw new Failure(2, "missing arguments\n" + USAGE, null);
    String command = args[0];
    switch (command) {
      case "fingerprint":
        if (args.length != 2) throw new Failure(2, "fingerprint takes one schema\n" + USAGE, null);
        fingerprint(parse(args[1]), out);
        break;
      case "encode":
        if (args.length != 2) throw new Failure(2, "encode takes one schema\n" + USAGE, null);
        encode(parse(args[1]), out);
        break;
      case "decode":
        List<Schema> writers = new ArrayList<>();
        for (int i = 2; i < args.length; i++) writers.add(parse(args[i]));
        decode(parse(args[1]), writers, out);
        break;
      default:
        throw new Failure(2, "unknown command " + command + "\n" + USAGE, null);
    }
  }

  private static Schema parse(String path) throws Failure {
    try {
      return new Schema.Parser().parse(new File(path));
    } catch (Exception e) {
      throw new Failure(1, "cannot read schema " + path + ": " + e.getMessage(), e);
    }
  }

  /** The fingerprint as on the wire: parsingFingerprint64 as 8 little-endian bytes. */
  private static void fingerprint(Schema schema, PrintStream out) {
    long fp = SchemaNormalization.parsingFingerprint64(schema);
    byte[] wire = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp).array();
    out.println(HexFormat.of().formatHex(wire));
    out.println(SchemaNormalization.toParsingForm(schema));
  }

  private static void encode(Schema schema, PrintStream out) throws Failure, IOException {
    GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
    BinaryMessageEncoder<GenericRecord> encoder =
        new BinaryMessageEncoder<>(GenericData.get(), schema);
    int lineNumber = 0;
    for (String line : stdinLines()) {
      lineNumber++;
      if (line.isBlank()) continue;
      byte[] bytes;
      try {
        GenericRecord record = reader.read(null, DecoderFactory.get().jsonDecoder(schema, line));
        ByteBuffer buffer = encoder.encode(record);
        bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
      } catch (Exception e) {
        throw new Failure(
            1, "line " + lineNumber + ": cannot encode " + line + " with " + schema.getFullName()
                + ": " + e, e);
      }
      out.println(Base64.getEncoder().encodeToString(bytes));
    }
  }

  private static void decode(Schema readerSchema, List<Schema> writers, PrintStream out)
      throws Failure, IOException {
    BinaryMessageDecoder<GenericRecord> decoder =
        new BinaryMessageDecoder<>(GenericData.get(), readerSchema);
    for (Schema writer : writers) decoder.addSchema(writer);
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(readerSchema);
    int lineNumber = 0;
    for (String line : stdinLines()) {
      lineNumber++;
      if (line.isBlank()) continue;
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      try {
        ByteArrayInputStream in = new ByteArrayInputStream(Base64.getDecoder().decode(line.strip()));
        GenericRecord record = decoder.decode(in, null);
        // The decoder reads exactly one record; a body longer than the record is a disagreement too.
        if (in.available() > 0) throw new IOException(in.available() + " trailing bytes after the record");
        JsonEncoder encoder = EncoderFactory.get().jsonEncoder(readerSchema, json);
        writer.write(record, encoder);
        encoder.flush();
      } catch (Exception e) {
        throw new Failure(
            1, "line " + lineNumber + ": cannot decode " + line + " as " + readerSchema.getFullName()
                + ": " + e, e);
      }
      out.println(json.toString(StandardCharsets.UTF_8));
    }
  }

  private static List<String> stdinLines() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String line = in.readLine(); line != null; line = in.readLine()) lines.add(line);
    return lines;
  }
}
