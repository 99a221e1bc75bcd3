/**
 * The changelog's encoding of a key's state: compact binary with exactly JSON's semantics, i.e.
 * `decodeState(encodeState(x))` deep-equals `JSON.parse(JSON.stringify(x))` (so a processor sees after a
 * restore what it saw before, as the virtual runner's JSON round trip promises), in about half the bytes
 * and a fraction of the time.
 *
 * Processor state is mostly tables of number tuples (windows of `[ts, value, …]`): an array of at least
 * two equal-width arrays of finite numbers (or of finite numbers alone) is stored column by column, a
 * column of safe integers as zigzag varints of the difference to the previous row (timestamps take 1–3
 * bytes), any other column as float64. Everything else is tagged values.
 *
 * A record starts with {@link MAGIC}, a byte no JSON text starts with, and anything else is read as the
 * JSON text earlier versions wrote (and this one writes for a state it cannot encode: a value with
 * `toJSON`, a class instance, a bigint).
 */

/** First byte of a binary state (format 1). */
const MAGIC = 0xf1;

// Tags of values.
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const INT = 3;
const FLOAT = 4;
const STRING = 5;
const ARRAY = 6;
const OBJECT = 7;
/** Rows of equal-width number tuples: rows, width, then each column. */
const TABLE = 8;
/** Numbers: count, then one column. */
const NUMBERS = 9;

// Kinds of table columns.
const FLOAT_COLUMN = 0;
const DELTA_INT_COLUMN = 1;

class Unsupported extends Error {}

/** The writer, reused across calls (grown as needed). */
let bytes = new Uint8Array(64 * 1024);
let view = new DataView(bytes.buffer);
let at = 0;

function ensure(n: number): void {
  if (at + n <= bytes.length) return;
  let size = bytes.length * 2;
  while (size < at + n) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(bytes.subarray(0, at));
  bytes = grown;
  view = new DataView(bytes.buffer);
}

function writeByte(b: number): void {
  ensure(1);
  bytes[at++] = b;
}

/** An unsigned integer up to 2^53, 7 bits a byte. */
function writeVarint(n: number): void {
  ensure(8);
  if (n < 0x80000000) {
    while (n >= 0x80) {
      bytes[at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
  } else {
    while (n >= 0x80) {
      bytes[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
  }
  bytes[at++] = n;
}

/** A safe integer (possibly negative), zigzag: 0, -1, 1, -2… → 0, 1, 2, 3… */
function writeZigzag(n: number): void {
  writeVarint(n >= 0 ? n * 2 : -n * 2 - 1);
}

function writeFloat(n: number): void {
  ensure(8);
  // JSON writes -0 as 0.
  view.setFloat64(at, n === 0 ? 0 : n, true);
  at += 8;
}

function writeString(s: string): void {
  const length = Buffer.byteLength(s, 'utf8');
  writeVarint(length);
  ensure(length);
  encoder.encodeInto(s, bytes.subarray(at, at + length));
  at += length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The width of `array` as a table (0: a plain number array), or -1 when it is not one. */
function tableWidth(array: readonly unknown[]): number {
  if (array.length < 2) return -1;
  const first = array[0];
  if (typeof first === 'number') {
    for (const v of array) if (typeof v !== 'number' || !Number.isFinite(v)) return -1;
    return 0;
  }
  if (!Array.isArray(first) || first.length === 0) return -1;
  const width = first.length;
  for (const row of array) {
    if (!Array.isArray(row) || row.length !== width) return -1;
    for (let c = 0; c < width; c += 1) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) return -1;
    }
  }
  return width;
}

/** One column of a table: `column(r)` is its value in row r. */
function writeColumn(rows: number, column: (r: number) => number): void {
  let ints = true;
  let previous = 0;
  for (let r = 0; r < rows; r += 1) {
    const v = column(r);
    if (!Number.isSafeInteger(v) || !Number.isSafeInteger(v - previous)) {
      ints = false;
      break;
    }
    previous = v;
  }
  if (ints) {
    writeByte(DELTA_INT_COLUMN);
    previous = 0;
    for (let r = 0; r < rows; r += 1) {
      const v = column(r);
      writeZigzag(v - previous);
      previous = v;
    }
  } else {
    writeByte(FLOAT_COLUMN);
    ensure(rows * 8);
    for (let r = 0; r < rows; r += 1) {
      const v = column(r);
      // JSON writes -0 as 0.
      view.setFloat64(at, v === 0 ? 0 : v, true);
      at += 8;
    }
  }
}

function writeValue(value: unknown, inArray: boolean): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) writeByte(NULL);
      else if (Number.isSafeInteger(value)) {
        writeByte(INT);
        writeZigzag(value === 0 ? 0 : value);
      } else {
        writeByte(FLOAT);
        writeFloat(value);
      }
      return;
    case 'string':
      writeByte(STRING);
      writeString(value);
      return;
    case 'boolean':
      writeByte(value ? TRUE : FALSE);
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      // Only reached in arrays (object members of these kinds are skipped): JSON writes null.
      if (!inArray) throw new Unsupported();
      writeByte(NULL);
      return;
    case 'bigint':
      throw new Unsupported();
    case 'object':
      break;
  }
  if (value === null) {
    writeByte(NULL);
    return;
  }
  if (Array.isArray(value)) {
    const width = tableWidth(value);
    if (width >= 0) {
      writeByte(width === 0 ? NUMBERS : TABLE);
      writeVarint(value.length);
      if (width === 0) writeColumn(value.length, (r) => value[r] as number);
      else {
        writeVarint(width);
        const rows = value as number[][];
        for (let c = 0; c < width; c += 1) writeColumn(rows.length, (r) => rows[r]![c]!);
      }
      return;
    }
    writeByte(ARRAY);
    writeVarint(value.length);
    for (let i = 0; i < value.length; i += 1) writeValue(value[i], true);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) throw new Unsupported();
  const entries = Object.entries(value).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  writeByte(OBJECT);
  writeVarint(entries.length);
  for (const [k, v] of entries) {
    writeString(k);
    writeValue(v, false);
  }
}

/** The changelog bytes of a state. */
export function encodeState(state: unknown): Buffer {
  at = 0;
  try {
    if (state === undefined || typeof state === 'function' || typeof state === 'symbol') {
      throw new Unsupported();
    }
    writeByte(MAGIC);
    writeValue(state, false);
  } catch (error: unknown) {
    if (!(error instanceof Unsupported)) throw error;
    return Buffer.from(JSON.stringify(state), 'utf8');
  }
  const out = Buffer.allocUnsafe(at);
  out.set(bytes.subarray(0, at));
  return out;
}

/** A state from its changelog bytes (binary, or the JSON text of earlier versions). */
export function decodeState(data: Uint8Array): unknown {
  if (data[0] !== MAGIC) return JSON.parse(decoder.decode(data));
  return new Reader(data).value();
}

class Reader {
  readonly #data: Uint8Array;
  readonly #view: DataView;
  #at = 1;

  constructor(data: Uint8Array) {
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  #varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.#data[this.#at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  #zigzag(): number {
    const z = this.#varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  #float(): number {
    const v = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return v;
  }

  #string(): string {
    const length = this.#varint();
    const s = decoder.decode(this.#data.subarray(this.#at, this.#at + length));
    this.#at += length;
    return s;
  }

  /** One column of `rows` numbers. */
  #column(rows: number): number[] {
    const kind = this.#data[this.#at++];
    const out: number[] = [];
    if (kind === DELTA_INT_COLUMN) {
      let previous = 0;
      for (let r = 0; r < rows; r += 1) out.push((previous += this.#zigzag()));
    } else {
      for (let r = 0; r < rows; r += 1) out.push(this.#float());
    }
    return out;
  }

  value(): unknown {
    const tag = this.#data[this.#at++];
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT:
        return this.#zigzag();
      case FLOAT:
        return this.#float();
      case STRING:
        return this.#string();
      case ARRAY: {
        const n = this.#varint();
        const out: unknown[] = [];
        for (let i = 0; i < n; i += 1) out.push(this.value());
        return out;
      }
      case OBJECT: {
        const n = this.#varint();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i += 1) {
          const key = this.#string();
          const value = this.value();
          // As JSON.parse: `__proto__` is an own member, not the prototype.
          if (key === '__proto__')
            Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
          else out[key] = value;
        }
        return out;
      }
      case NUMBERS:
        return this.#column(this.#varint());
      case TABLE: {
        const rows = this.#varint();
        const width = this.#varint();
        const columns: number[][] = [];
        for (let c = 0; c < width; c += 1) columns.push(this.#column(rows));
        const out: number[][] = [];
        for (let r = 0; r < rows; r += 1) {
          const row: number[] = [];
          for (let c = 0; c < width; c += 1) row.push(columns[c]![r]!);
          out.push(row);
        }
        return out;
      }
      default:
        throw new Error(
          `not a tradewatch state: unknown tag ${String(tag)} at byte ${this.#at - 1} of ${this.#data.length}`,
        );
    }
  }
}
