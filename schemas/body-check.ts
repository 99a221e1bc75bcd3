/**
 * A structural check of an Avro binary body against its writer schema, without building values.
 *
 * Why: avsc trusts the block counts of arrays and maps. Garbage bytes that happen to read as a block of
 * billions of items make it loop (and allocate) for minutes before noticing the buffer ended, and a
 * poison message must not stall a processor. This walk is bounded by the buffer: every count is checked
 * against the bytes left before anything is read. It runs only for schemas that have arrays or maps.
 *
 * Longs are checked as 64-bit varints only (every value Java can write passes); whether a long fits
 * in a JavaScript number is decided by the long type (long-type.ts) when avsc reads it. When it does
 * not, the codec walks the body again with `readLong` to name the field.
 */
import type { Type } from 'avsc';
import { isLongType } from './long-type.ts';

/** Why a body does not match its writer schema: the reason, and the field path where it was found. */
export class BodyCheckError extends Error {
  readonly path: string[] = [];
  readonly reason: string;
  readonly offset: number;

  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'BodyCheckError';
    this.reason = reason;
    this.offset = offset;
  }

  /** The field path, e.g. `predictions[2].score`; empty for the record itself. */
  get fieldPath(): string {
    return this.path.join('').replace(/^\./, '');
  }

  /** The reason with its location, e.g. `truncated buffer at byte 31 (predictions[2].score)`. */
  describe(): string {
    const where = this.path.length === 0 ? '' : ` (${this.fieldPath})`;
    return `${this.reason} at byte ${this.offset}${where}`;
  }
}

interface Cursor {
  readonly buf: Buffer;
  pos: number;
}

type Check = (cursor: Cursor) => void;

/** A compiled check of bodies written with `type`. */
export interface BodyChecker {
  /** Throws {@link BodyCheckError} unless `buf` is exactly one value of the type. */
  check(buf: Buffer): void;
}

/** Whether a type contains arrays or maps, the only constructs that can make avsc loop on garbage. */
export function hasBlocks(type: Type): boolean {
  const seen = new Set<Type>();
  const visit = (t: Type): boolean => {
    if (seen.has(t)) return false;
    seen.add(t);
    const name = t.typeName;
    if (name === 'array' || name === 'map') return true;
    return children(t).some(visit);
  };
  return visit(type);
}

/** Options of {@link compileBodyChecker}. */
export interface BodyCheckOptions {
  /**
   * Reads each long (its varint bytes) as the codec would, throwing when it refuses one; the error
   * becomes a BodyCheckError at that long (with the error as its cause). Without it, longs are only
   * checked to be varints of at most 64 bits.
   */
  readonly readLong?: (bytes: Buffer) => unknown;
}

/** Compiles the check for bodies written with `type`. */
export function compileBodyChecker(type: Type, options: BodyCheckOptions = {}): BodyChecker {
  const compiler: Compiler = { compiled: new Map(), readLong: options.readLong };
  const root = compile(type, compiler);
  return {
    check(buf: Buffer): void {
      const cursor: Cursor = { buf, pos: 0 };
      root(cursor);
      if (cursor.pos < buf.length) {
        throw new BodyCheckError(
          `trailing data: ${buf.length - cursor.pos} bytes after the value`,
          cursor.pos,
        );
      }
    },
  };
}

interface AvscInternals {
  readonly fields?: readonly { readonly name: string; readonly type: Type }[];
  readonly itemsType?: Type;
  readonly valuesType?: Type;
  readonly types?: readonly Type[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: Type;
}

function children(type: Type): Type[] {
  const t = type as Type & AvscInternals;
  return [
    ...(t.fields?.map((f) => f.type) ?? []),
    ...(t.itemsType ? [t.itemsType] : []),
    ...(t.valuesType ? [t.valuesType] : []),
    ...(t.types ?? []),
    ...(t.underlyingType ? [t.underlyingType] : []),
  ];
}

function truncated(cursor: Cursor): BodyCheckError {
  return new BodyCheckError('truncated buffer', cursor.pos);
}

/**
 * Reads a zig-zag varint of at most `maxBytes` bytes (5 for an int, 10 for a long), for counts,
 * lengths and indexes: exact up to 2^53, approximate beyond (where it is far more than any buffer
 * holds, so the caller's bounds check fails either way).
 */
function readVarint(cursor: Cursor, maxBytes: number): number {
  const { buf } = cursor;
  const start = cursor.pos;
  let n = 0;
  let scale = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (cursor.pos >= buf.length) throw truncated(cursor);
    const byte = buf[cursor.pos++] as number;
    n += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    scale *= 128;
  }
  throw new BodyCheckError(`varint longer than ${maxBytes} bytes`, start);
}

/** The bytes of the varint of a 64-bit long: at most 10, the 10th holding only bit 63. */
const LONG_BYTES = 10;

/** Skips the varint of a long, checking only that it is one of 64 bits at most. */
function skipLong(cursor: Cursor): void {
  const { buf } = cursor;
  const start = cursor.pos;
  for (let i = 1; i <= LONG_BYTES; i++) {
    if (cursor.pos >= buf.length) throw truncated(cursor);
    const byte = buf[cursor.pos++] as number;
    if ((byte & 0x80) === 0) {
      if (i === LONG_BYTES && byte > 1) throw new BodyCheckError('long varint beyond 64 bits', start);
      return;
    }
  }
  throw new BodyCheckError(`varint longer than ${LONG_BYTES} bytes`, start);
}

/** The check of a long: skipped as a 64-bit varint, then read with `readLong` if given. */
function longCheck(readLong: ((bytes: Buffer) => unknown) | undefined): Check {
  if (readLong === undefined) return skipLong;
  return (cursor) => {
    const start = cursor.pos;
    skipLong(cursor);
    try {
      readLong(cursor.buf.subarray(start, cursor.pos));
    } catch (e: unknown) {
      throw new BodyCheckError(e instanceof Error ? e.message : String(e), start, { cause: e });
    }
  };
}

function skipBytes(cursor: Cursor, length: number): void {
  if (length < 0) throw new BodyCheckError(`negative length ${length}`, cursor.pos);
  if (length > cursor.buf.length - cursor.pos) throw truncated(cursor);
  cursor.pos += length;
}

function minSize(type: Type, seen: Set<Type> = new Set()): number {
  if (seen.has(type)) return 0;
  seen.add(type);
  const t = type as Type & AvscInternals;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error':
      return (t.fields ?? []).reduce((sum, f) => sum + minSize(f.type, seen), 0);
    default:
      return t.underlyingType ? minSize(t.underlyingType, seen) : 1;
  }
}

function withPath(segment: string, cursor: Cursor, check: Check): void {
  try {
    check(cursor);
  } catch (e: unknown) {
    if (e instanceof BodyCheckError) e.path.unshift(segment);
    throw e;
  }
}

interface Compiler {
  readonly compiled: Map<Type, Check>;
  readonly readLong: ((bytes: Buffer) => unknown) | undefined;
}

function compile(type: Type, compiler: Compiler): Check {
  const existing = compiler.compiled.get(type);
  if (existing !== undefined) return existing;
  // Recursive types refer back to themselves: register a forwarder before compiling the body.
  let body: Check = () => undefined;
  compiler.compiled.set(type, (cursor) => body(cursor));
  body = compileBody(type, compiler);
  return body;
}

function compileBody(type: Type, compiler: Compiler): Check {
  const t = type as Type & AvscInternals;
  const name = type.typeName;
  if (t.underlyingType !== undefined) return compile(t.underlyingType, compiler);
  if (isLongType(type)) return longCheck(compiler.readLong);
  switch (name) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return (cursor) => {
        if (cursor.pos >= cursor.buf.length) throw truncated(cursor);
        const byte = cursor.buf[cursor.pos++];
        if (byte !== 0 && byte !== 1)
          throw new BodyCheckError(`invalid boolean byte ${byte}`, cursor.pos - 1);
      };
    case 'int':
      return (cursor) => void readVarint(cursor, 5);
    case 'float':
      return (cursor) => skipBytes(cursor, 4);
    case 'double':
      return (cursor) => skipBytes(cursor, 8);
    case 'bytes':
    case 'string':
      return (cursor) => skipBytes(cursor, readVarint(cursor, 10));
    case 'fixed': {
      const size = t.size ?? 0;
      return (cursor) => skipBytes(cursor, size);
    }
    case 'enum': {
      const count = t.symbols?.length ?? 0;
      return (cursor) => {
        const at = cursor.pos;
        const index = readVarint(cursor, 5);
        if (index < 0 || index >= count) {
          throw new BodyCheckError(`enum index ${index} out of range (${count} symbols)`, at);
        }
      };
    }
    case 'record':
    case 'error': {
      const fields = (t.fields ?? []).map((f) => ({
        segment: `.${f.name}`,
        check: compile(f.type, compiler),
      }));
      return (cursor) => {
        for (const field of fields) withPath(field.segment, cursor, field.check);
      };
    }
    case 'array':
    case 'map': {
      const isMap = name === 'map';
      const item = compile((isMap ? t.valuesType : t.itemsType) as Type, compiler);
      const itemSize = minSize((isMap ? t.valuesType : t.itemsType) as Type) + (isMap ? 1 : 0);
      const entry: Check = isMap
        ? (c) => {
            skipBytes(c, readVarint(c, 10));
            item(c);
          }
        : item;
      return (cursor) => {
        let index = 0;
        for (;;) {
          const at = cursor.pos;
          let count = readVarint(cursor, 10);
          if (count === 0) return;
          if (count < 0) {
            count = -count;
            readVarint(cursor, 10); // the block's size in bytes, which we do not need
          }
          const left = cursor.buf.length - cursor.pos;
          // Items of zero size (nulls) cannot be bounded by the buffer; no schema of ours has them.
          if (count > (itemSize === 0 ? left + 1_000_000 : left / itemSize)) {
            throw new BodyCheckError(`block of ${count} items cannot fit in the ${left} bytes left`, at);
          }
          for (let i = 0; i < count; i++, index++) withPath(`[${index}]`, cursor, entry);
        }
      };
    }
    default: {
      // Unions (wrapped or not): a branch index, then a value of that branch.
      const branches = (t.types ?? []).map((branch) => compile(branch, compiler));
      return (cursor) => {
        const at = cursor.pos;
        const index = readVarint(cursor, 10);
        const branch = branches[index];
        if (branch === undefined) {
          throw new BodyCheckError(`union branch ${index} out of range (${branches.length} branches)`, at);
        }
        branch(cursor);
      };
    }
  }
}
