/**
 * The codec of one record type: single-object encoding on the wire, and the JSON form users write.
 */
import type { Type } from 'avsc';
import { DecodeError, TradewatchError, toError } from '../core/errors.ts';
import { BodyCheckError, compileBodyChecker } from './body-check.ts';
import type { BodyChecker } from './body-check.ts';
import { fromJsonValue, toJsonValue, type JsonOutputOptions } from './json-form.ts';
import { UnsafeLongError, readLong } from './long-type.ts';
import { displayPath } from '../core/display-path.ts';
import { formatProblems } from '../core/problems.ts';
import type { Problem } from '../core/problems.ts';
import { fileStem } from './record-types.ts';
import type { RecordTypeName } from './record-types.ts';
import type { RecordNode, SchemaNode } from './schema-model.ts';
import type { SchemaVersion } from './schema-version.ts';
import { checkValue } from './value-check.ts';
import { HEADER_LENGTH, MARKER, asBuffer, hexPreview, readHeader } from './wire.ts';

/** Encodes and decodes one record type. Obtain one from `SchemaRegistry#codec`. */
export interface Codec<T> {
  /** The record type. */
  readonly name: RecordTypeName;
  /** Fingerprint of the current schema: 16 hex characters, the 8 wire bytes in order. */
  readonly fingerprint: string;
  /** Path of the current schema's `.avsc`. */
  readonly schemaFile: string;
  /**
   * Single-object encodes `value` with the current schema; a missing field that has a default is
   * written with it. Validates first: a TradewatchError
   * TW_ENCODE_INVALID lists every field path, the Avro type expected there and the value found
   * (`details.path` is the first, `details.problems` all of them).
   */
  encode(value: T): Buffer;
  /**
   * Decodes single-object-encoded bytes written with any known version of this type's schema, resolved
   * to the current schema. Throws a DecodeError: TW_DECODE_NOT_SINGLE_OBJECT (bad length or marker),
   * TW_DECODE_UNKNOWN_SCHEMA (fingerprint not among this type's versions), TW_DECODE_BODY_INVALID
   * (the body does not decode with its writer schema: truncated, trailing bytes, out-of-range values;
   * or a long beyond ±(2^53 − 1), which a number does not hold exactly: `details.path` and
   * `details.value` name it).
   */
  decode(bytes: Buffer): T;
  /**
   * Reads a record from its JSON form (a JSON-parsed value, see json-form.ts). Throws a TradewatchError
   * TW_INPUT_INVALID listing every problem with its field path, what was expected and what was found;
   * fields the schema does not have are problems too.
   */
  fromJson(json: unknown): T;
  /**
   * The JSON form of a record: JSON-safe, timestamps as epoch ms unless `options` says `iso`;
   * `fromJson(toJson(v))` equals `v` either way.
   */
  toJson(value: T, options?: JsonOutputOptions): unknown;
}

/** The fingerprint lookup across all record types, to name the right type in errors. */
export type FingerprintLookup = (fingerprint: string) => SchemaVersion | undefined;

const INITIAL_SCRATCH = 4096;

/** The codec of one record type, over its current schema and all its versions. */
export class RecordCodec<T> implements Codec<T> {
  readonly name: RecordTypeName;
  readonly fingerprint: string;
  readonly schemaFile: string;
  readonly #type: Type;
  readonly #model: RecordNode;
  readonly #versions: ReadonlyMap<string, SchemaVersion>;
  readonly #lookup: FingerprintLookup;
  readonly #toPlain: (value: unknown) => unknown;
  // Per writer fingerprint: walks a body reading every long, to name the field of one refused.
  readonly #longLocators = new Map<string, BodyChecker>();
  // Encoding goes through one growing buffer that already holds the header, then one copy out.
  #scratch: Buffer;

  constructor(
    current: SchemaVersion,
    model: RecordNode,
    versions: readonly SchemaVersion[],
    lookup: FingerprintLookup,
  ) {
    this.name = current.type;
    this.fingerprint = current.fingerprint;
    this.schemaFile = current.file;
    this.#type = current.avroType;
    this.#model = model;
    this.#versions = new Map(versions.map((v) => [v.fingerprint, v]));
    this.#lookup = lookup;
    this.#toPlain = compilePlain(model) ?? ((value) => value);
    this.#scratch = this.#newScratch(INITIAL_SCRATCH);
  }

  encode(value: T): Buffer {
    if (!this.#type.isValid(value, { noUndeclaredFields: true })) {
      const problems = checkValue(this.#model, value);
      if (problems.length > 0) throw this.#encodeError(problems);
    }
    try {
      let end = this.#type.encode(value, this.#scratch, HEADER_LENGTH);
      if (end < 0) {
        // avsc returns how many bytes were missing.
        this.#scratch = this.#newScratch(Math.max(this.#scratch.length * 2, this.#scratch.length - end));
        end = this.#type.encode(value, this.#scratch, HEADER_LENGTH);
      }
      const out = Buffer.allocUnsafe(end);
      this.#scratch.copy(out, 0, 0, end);
      return out;
    } catch (e: unknown) {
      throw new TradewatchError(
        'TW_ENCODE_INVALID',
        `${this.name} cannot be encoded with ${displayPath(this.schemaFile)}: ${toError(e).message}`,
        { cause: e, details: { type: this.name, problems: [] } },
      );
    }
  }

  decode(bytes: Buffer): T {
    return this.decodeWith(readHeader(bytes), bytes);
  }

  /** Decodes bytes whose header was already read (by `decodeAny`). */
  decodeWith(fingerprint: string, bytes: Buffer): T {
    const version = this.#versions.get(fingerprint);
    if (version === undefined) throw this.#unknownSchema(fingerprint, bytes);
    const body = asBuffer(bytes).subarray(HEADER_LENGTH);
    try {
      version.bodyChecker?.check(body);
      return this.#toPlain(this.#type.fromBuffer(body, version.resolver)) as T;
    } catch (e: unknown) {
      throw e instanceof UnsafeLongError
        ? this.#unsafeLong(e, version, body)
        : this.#bodyInvalid(e, version, body);
    }
  }

  #bodyInvalid(error: unknown, version: SchemaVersion, body: Buffer): DecodeError {
    const reason = error instanceof BodyCheckError ? error.describe() : toError(error).message;
    const { fingerprint, file } = version;
    return new DecodeError(
      'TW_DECODE_BODY_INVALID',
      `${this.name} body (${body.length} bytes) does not decode with its writer schema ${displayPath(file)} (fingerprint ${fingerprint}): ${reason}. The producer wrote bytes that do not match the schema its header names.`,
      { cause: error, details: { type: this.name, fingerprint, file, reason } },
    );
  }

  /** The error for a long the long type refused (beyond ±(2^53 − 1)), naming its field. */
  #unsafeLong(error: UnsafeLongError, version: SchemaVersion, body: Buffer): DecodeError {
    // avsc does not say where it was reading: walk the body again, reading every long, to find it.
    let locator = this.#longLocators.get(version.fingerprint);
    if (locator === undefined) {
      locator = compileBodyChecker(version.avroType, { readLong });
      this.#longLocators.set(version.fingerprint, locator);
    }
    let located: BodyCheckError | undefined;
    try {
      locator.check(body);
    } catch (e: unknown) {
      if (e instanceof BodyCheckError) {
        // Something else wrong before that long (garbage avsc read past): report that instead.
        if (!(e.cause instanceof UnsafeLongError)) return this.#bodyInvalid(e, version, body);
        located = e;
      }
    }
    const reason = located?.describe() ?? error.message;
    const { fingerprint, file } = version;
    return new DecodeError(
      'TW_DECODE_BODY_INVALID',
      `${this.name} body (${body.length} bytes) does not decode with its writer schema ${displayPath(file)} (fingerprint ${fingerprint}): ${reason}. The bytes are valid Avro, but tradewatch holds a long as a JavaScript number and refuses one it cannot hold exactly rather than change it.`,
      {
        cause: error,
        details: {
          type: this.name,
          fingerprint,
          file,
          reason,
          path: located?.fieldPath,
          value: error.value.toString(),
        },
      },
    );
  }

  fromJson(json: unknown): T {
    const result = fromJsonValue(this.#model, json);
    if (!result.ok) {
      const count = result.problems.length;
      throw new TradewatchError(
        'TW_INPUT_INVALID',
        `${this.name} JSON is invalid (${count} problem${count === 1 ? '' : 's'}):\n${formatProblems(result.problems)}\nThe schema is ${displayPath(this.schemaFile)}.`,
        { details: { type: this.name, path: result.problems[0]?.path, problems: result.problems } },
      );
    }
    return result.value as T;
  }

  toJson(value: T, options?: JsonOutputOptions): unknown {
    return toJsonValue(this.#model, value, options);
  }

  #newScratch(size: number): Buffer {
    const scratch = Buffer.alloc(size);
    MARKER.copy(scratch, 0);
    scratch.write(this.fingerprint, 2, 'hex');
    return scratch;
  }

  #encodeError(problems: Problem[]): TradewatchError {
    return new TradewatchError(
      'TW_ENCODE_INVALID',
      `${this.name} does not match its schema ${displayPath(this.schemaFile)}:\n${formatProblems(problems)}`,
      { details: { type: this.name, path: problems[0]?.path, problems } },
    );
  }

  #unknownSchema(fingerprint: string, bytes: Buffer): DecodeError {
    const other = this.#lookup(fingerprint);
    const known = [...this.#versions.values()]
      .map((v) => `${v.fingerprint} (${displayPath(v.file)})`)
      .join(', ');
    const message =
      other !== undefined
        ? `expected a ${this.name} but the writer schema ${fingerprint} is ${other.type}'s (${displayPath(other.file)}): the record is on the wrong topic or read with the wrong codec.`
        : `unknown writer schema fingerprint ${fingerprint} for ${this.name} (known: ${known}). If a producer uses a schema version we do not have, add that producer's .avsc as schemas/history/${fileStem(this.name)}.v<N>.avsc (see schemas/README.md).`;
    return new DecodeError('TW_DECODE_UNKNOWN_SCHEMA', message, {
      details: { type: this.name, fingerprint, writerType: other?.type, firstBytes: hexPreview(bytes) },
    });
  }
}

/** A function turning avsc's decoded values into plain objects, or undefined where nothing changes. */
function compilePlain(node: SchemaNode): ((value: unknown) => unknown) | undefined {
  // avsc builds records as instances of generated classes; callers get plain objects, so that
  // structural equality (toStrictEqual, deepStrictEqual) and spreading behave as with literals.
  switch (node.kind) {
    case 'record': {
      const fields = node.fields.map((f) => ({ name: f.name, convert: compilePlain(f.type) }));
      return (value) => {
        const record = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const { name, convert } of fields) out[name] = convert ? convert(record[name]) : record[name];
        return out;
      };
    }
    case 'array': {
      const convert = compilePlain(node.items);
      return convert && ((value) => (value as unknown[]).map(convert));
    }
    case 'map': {
      const convert = compilePlain(node.values);
      return (
        convert &&
        ((value) =>
          Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(v)]),
          ))
      );
    }
    case 'optional': {
      const convert = compilePlain(node.type);
      return convert && ((value) => (value === null ? null : convert(value)));
    }
    default:
      return undefined;
  }
}
