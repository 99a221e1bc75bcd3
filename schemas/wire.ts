/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"):
 *
 * | bytes | content |
 * |---|---|
 * | 0-1 | marker `0xC3 0x01` |
 * | 2-9 | CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, little-endian |
 * | 10- | the Avro binary encoding of the value |
 */
import { DecodeError } from '../core/errors.ts';

/** The two marker bytes every single-object-encoded record starts with. */
export const MARKER = Buffer.from([0xc3, 0x01]);

/** Marker plus fingerprint. */
export const HEADER_LENGTH = 10;

/** The writer fingerprint (16 hex characters, the wire bytes in order) of single-object-encoded bytes. */
export function readHeader(bytes: Buffer): string {
  if (!Buffer.isBuffer(bytes) && !((bytes as unknown) instanceof Uint8Array)) {
    throw new DecodeError('TW_DECODE_NOT_SINGLE_OBJECT', `expected a Buffer, got ${typeof bytes}`);
  }
  if (bytes.length < HEADER_LENGTH || bytes[0] !== 0xc3 || bytes[1] !== 0x01) {
    const first = hexPreview(bytes);
    const why =
      bytes.length < HEADER_LENGTH
        ? `${bytes.length} bytes are too few: single-object encoding needs at least ${HEADER_LENGTH} (0xC3 0x01 then an 8-byte fingerprint)`
        : `they start with ${first.slice(0, 9)} instead of the marker 0xC3 0x01`;
    throw new DecodeError(
      'TW_DECODE_NOT_SINGLE_OBJECT',
      `not an Avro single-object encoded record: ${why}. First bytes: ${first}.${guess(bytes)}`,
      { details: { length: bytes.length, firstBytes: first } },
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + 2, 8).toString('hex');
}

/** Up to 16 bytes as `0x.. 0x..`, for messages. */
export function hexPreview(bytes: Uint8Array): string {
  const shown = Array.from(
    bytes.subarray(0, 16),
    (b) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`,
  );
  if (shown.length === 0) return '(none)';
  return shown.join(' ') + (bytes.length > 16 ? ` … (${bytes.length} bytes)` : '');
}

/** A hint at what the bytes might be instead, for the producers most likely to send them. */
function guess(bytes: Uint8Array): string {
  const first = bytes[0];
  if (first === 0x00 && bytes.length >= 5) {
    return ' They look like Confluent Schema Registry framing (0x00 + 4-byte schema id): produce with single-object encoding instead (see schemas/README.md).';
  }
  if (first === 0x7b || first === 0x5b) {
    return ' They look like JSON: encode the record with its codec (see schemas/README.md).';
  }
  if (first === 0x4f && bytes[1] === 0x62 && bytes[2] === 0x6a) {
    return ' They look like an Avro object container file: send one single-object-encoded record per message.';
  }
  return '';
}

/** The bytes as a Buffer without copying (a Kafka client may hand over a plain Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
