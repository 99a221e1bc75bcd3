/**
 * The Avro `long` as tradewatch reads and writes it: a JavaScript number that is a safe integer,
 * ±(2^53 − 1) (`Number.MAX_SAFE_INTEGER`), held exactly or refused, never rounded.
 *
 * avsc's built-in long does the zig-zag and varint arithmetic in floating point, which goes wrong
 * near 2^53 (wrong bytes for negative longs below −2^52, wrong sign on decode). This is avsc's
 * documented extension point instead, a custom long type (`LongType.__with`): avsc packs and unpacks
 * the varint exactly to and from 8 little-endian two's-complement bytes, and this module converts
 * those bytes to and from a number. It is the one place that decides whether a long fits.
 */
import avsc from 'avsc';
import type { Type } from 'avsc';

/** The largest magnitude of long tradewatch holds: 2^53 − 1. */
export const LONG_LIMIT = Number.MAX_SAFE_INTEGER;

/** A long on the wire that a JavaScript number does not hold exactly. */
export class UnsafeLongError extends Error {
  /** The long as written. */
  readonly value: bigint;

  constructor(value: bigint) {
    super(`long ${value} is beyond what a JavaScript number holds exactly (±${LONG_LIMIT}, 2^53 - 1)`);
    this.name = 'UnsafeLongError';
    this.value = value;
  }
}

const TWO_32 = 2 ** 32;
// The high 32-bit word of a safe integer lies in [-2^21, 2^21); the value -2^53 (high word -2^21,
// low word 0) is the one value in that range that is not safe.
const HIGH_MIN = -(2 ** 21);
const HIGH_END = 2 ** 21;

// avsc's custom long calls toBuffer and then packs the bytes synchronously (it never keeps the
// buffer), so one scratch buffer serves every write. avsc inverts it in place for negative values;
// every write sets all 8 bytes again.
const scratch = Buffer.alloc(8);

function fromBuffer(buf: Buffer): number {
  // Byte by byte: cheaper than readInt32LE and friends, which check their bounds on every call.
  const low =
    ((buf[0] as number) | ((buf[1] as number) << 8) | ((buf[2] as number) << 16)) +
    (buf[3] as number) * 2 ** 24;
  const high =
    (buf[4] as number) | ((buf[5] as number) << 8) | ((buf[6] as number) << 16) | ((buf[7] as number) << 24);
  if (high >= HIGH_MIN && high < HIGH_END && (high !== HIGH_MIN || low !== 0)) return high * TWO_32 + low;
  throw new UnsafeLongError(buf.readBigInt64LE(0));
}

function toBuffer(value: number): Buffer {
  // Exact for safe integers: dividing by a power of two only changes the exponent.
  const high = Math.floor(value / TWO_32);
  const low = value - high * TWO_32;
  scratch[0] = low;
  scratch[1] = low >>> 8;
  scratch[2] = low >>> 16;
  scratch[3] = low >>> 24;
  scratch[4] = high;
  scratch[5] = high >> 8;
  scratch[6] = high >> 16;
  scratch[7] = high >> 24;
  return scratch;
}

/** Whether `value` is a long tradewatch encodes and decodes without loss: a safe integer. */
export function isSafeLong(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function fromJSON(json: unknown): number {
  if (isSafeLong(json)) return json;
  throw new Error(`not a long tradewatch holds (a safe integer, ±${LONG_LIMIT}): ${String(json)}`);
}

function toJSON(value: number): number {
  return value;
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The long type, for every long of a schema: `Type.forSchema` takes it as `registry: { long: EXACT_LONG }`
 * for longs named by reference, and from a `typeHook` for longs written as objects (load-schemas.ts).
 */
export const EXACT_LONG: Type = avsc.types.LongType.__with({
  fromBuffer,
  toBuffer,
  fromJSON,
  toJSON,
  isValid: isSafeLong,
  compare,
});

/** Whether avsc type `type` is a long (avsc's own, or a custom one such as {@link EXACT_LONG}). */
export function isLongType(type: Type): boolean {
  return type.typeName === 'long' || type.typeName === 'abstract:long';
}

/**
 * Reads one Avro-encoded long (its varint bytes, nothing else) as tradewatch does on decode: the
 * number, or an {@link UnsafeLongError}.
 */
export function readLong(bytes: Buffer): number {
  return EXACT_LONG.fromBuffer(bytes) as number;
}
