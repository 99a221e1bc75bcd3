/**
 * CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro specification defines for schemas
 * ("Schema Fingerprints"): the table-driven algorithm of the spec, on BigInt. It runs once per schema
 * at load time, so BigInt's cost does not matter.
 */

/** The fingerprint of the empty input, and the polynomial the table is built from. */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (fp & 1n ? EMPTY : 0n);
    }
    table.push(fp);
  }
  return table;
})();

/** The CRC-64-AVRO fingerprint of `bytes`, as an unsigned 64-bit integer. */
export function rabin64(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) {
    // The index is below 256 by construction, so the lookup is always defined.
    fp = ((fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint)) & MASK_64;
  }
  return fp;
}

/** The fingerprint as the 8 bytes single-object encoding puts on the wire: little-endian. */
export function fingerprintBytes(text: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(rabin64(Buffer.from(text, 'utf8')));
  return out;
}

/** The wire fingerprint of `text` as 16 lowercase hex characters (the wire bytes in order). */
export function fingerprintHex(text: string): string {
  return fingerprintBytes(text).toString('hex');
}
