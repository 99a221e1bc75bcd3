/**
 * The JSON form of records, as users write them in JSON lines and as tools print them:
 * - an optional (`["null", T]`) is written plainly: `"cash": 12.5` or `"cash": null`;
 * - an enum is its symbol as a string, a map an object, an array an array;
 * - a timestamp-millis is epoch milliseconds, or an ISO-8601 string with a zone on input
 *   (`"2025-03-01T12:00:00Z"`, `"2025-03-01T13:00:00.250+01:00"`);
 * - a float or double that is not finite (Avro allows NaN and infinities, JSON does not) is the string
 *   `"NaN"`, `"Infinity"` or `"-Infinity"`;
 * - a field left out takes its schema default; a field the schema does not have is an error, so a typo
 *   is never dropped silently.
 */
import { fieldPath, indexPath, keyPath, renderValue } from '../core/problems.ts';
import type { Problem } from '../core/problems.ts';
import type { SchemaNode } from './schema-model.ts';
import { isInt, isObject, isSafeLong, unknownField } from './value-check.ts';

/** The outcome of reading a JSON value: the value, or every problem found. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

// A date, a time to at least the minute, an optional fraction, and a zone: a timestamp without a zone
// would be read in the machine's local time, which is never what a producer meant.
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

/** What the JSON form of `node` must be, for input errors. */
export function expectedJson(node: SchemaNode): string {
  switch (node.kind) {
    case 'timestamp':
      return 'timestamp-millis: epoch ms or ISO-8601 with a zone, e.g. "2025-03-01T12:00:00Z"';
    case 'long':
      return 'long (a safe integer)';
    case 'int':
      return 'int';
    case 'float':
    case 'double':
      return `${node.kind} (a number, or "NaN", "Infinity", "-Infinity")`;
    case 'enum':
      return `one of ${node.symbols.join(', ')}`;
    case 'record':
      return `an object (${node.name} record)`;
    case 'array':
      return `an array of ${expectedJson(node.items)}`;
    case 'map':
      return `an object (map) of ${expectedJson(node.values)}`;
    case 'optional':
      return `null or ${expectedJson(node.type)}`;
    default:
      return node.kind;
  }
}

/** How {@link toJsonValue} writes what JSON has no type for. */
export interface JsonOutputOptions {
  /**
   * Timestamps as `epoch-ms` (default: the plain long, as Avro holds it) or `iso` (ISO-8601 in UTC with
   * milliseconds, `2025-03-01T12:00:00.000Z`, for people; the JSON input reads both back).
   */
  readonly timestamps?: 'epoch-ms' | 'iso';
}

/** `ts` as ISO-8601 in UTC, or the number as it is when no Date can hold it. */
export function isoTimestamp(ts: unknown): unknown {
  if (typeof ts !== 'number') return ts;
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? ts : date.toISOString();
}

/** Parses an ISO-8601 timestamp with a zone into epoch ms, or undefined if it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_8601.exec(text.trim());
  if (match === null) return undefined;
  const [, date, time, fraction, zone] = match;
  // Date.parse takes milliseconds only: keep three digits of the fraction (truncating, like Avro does).
  const millis = fraction === undefined ? '' : `.${fraction.slice(0, 3).padEnd(3, '0')}`;
  const normalized = `${date}T${time?.length === 5 ? `${time}:00` : time}${millis}${zone?.toUpperCase()}`;
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse may roll 2025-02-30 over to March; a date that is not on the calendar is an input error.
  if (new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return undefined;
  return ms;
}

/** Reads the JSON form of a value of `node`, collecting every problem with its path. */
export function fromJsonValue(node: SchemaNode, json: unknown, path = ''): JsonResult {
  const problems: Problem[] = [];
  const value = read(node, json, path, problems);
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

function read(node: SchemaNode, json: unknown, path: string, problems: Problem[]): unknown {
  const fail = (): undefined => {
    problems.push({ path, expected: expectedJson(node), found: renderValue(json) });
    return undefined;
  };
  switch (node.kind) {
    case 'null':
      return json === null ? null : fail();
    case 'boolean':
      return typeof json === 'boolean' ? json : fail();
    case 'int':
      return isInt(json) ? json : fail();
    case 'long':
      return isSafeLong(json) ? json : fail();
    case 'timestamp': {
      if (isSafeLong(json)) return json;
      const ms = typeof json === 'string' ? parseIsoTimestamp(json) : undefined;
      return ms === undefined ? fail() : ms;
    }
    case 'float':
    case 'double':
      if (typeof json === 'number' && Number.isFinite(json)) return json;
      return typeof json === 'string' && json in NON_FINITE ? NON_FINITE[json] : fail();
    case 'string':
      return typeof json === 'string' ? json : fail();
    case 'enum':
      return typeof json === 'string' && node.symbols.includes(json) ? json : fail();
    case 'optional':
      if (json === null) return null;
      return json === undefined ? fail() : read(node.type, json, path, problems);
    case 'array':
      if (!Array.isArray(json)) return fail();
      return json.map((item: unknown, i) => read(node.items, item, indexPath(path, i), problems));
    case 'map':
      if (!isObject(json)) return fail();
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(
        Object.entries(json).map(([key, item]) => [
          key,
          read(node.values, item, keyPath(path, key), problems),
        ]),
      );
    case 'record': {
      if (!isObject(json)) return fail();
      const names = node.fields.map((f) => f.name);
      const out: Record<string, unknown> = {};
      for (const field of node.fields) {
        const at = fieldPath(path, field.name);
        const given = json[field.name];
        if (given === undefined && field.hasDefault) {
          out[field.name] = defaultValue(field.type, field.default, at, problems);
        } else {
          out[field.name] = read(field.type, given, at, problems);
        }
      }
      for (const [key, item] of Object.entries(json)) {
        if (!names.includes(key)) problems.push(unknownField(node.name, names, path, key, item));
      }
      return out;
    }
  }
}

/**
 * A field's default as a value. Avro writes a union's default as a value of its first branch, which
 * for our `["null", T]` is null.
 */
function defaultValue(node: SchemaNode, json: unknown, path: string, problems: Problem[]): unknown {
  if (node.kind === 'optional') return json === null ? null : read(node.type, json, path, problems);
  return read(node, json, path, problems);
}

/** The JSON form of a value of `node`: JSON-safe, and read back by {@link fromJsonValue} unchanged. */
export function toJsonValue(node: SchemaNode, value: unknown, options: JsonOutputOptions = {}): unknown {
  switch (node.kind) {
    case 'timestamp':
      return options.timestamps === 'iso' ? isoTimestamp(value) : value;
    case 'float':
    case 'double':
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    case 'optional':
      return value === null || value === undefined ? null : toJsonValue(node.type, value, options);
    case 'array':
      return (value as unknown[]).map((item) => toJsonValue(node.items, item, options));
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          toJsonValue(node.values, v, options),
        ]),
      );
    case 'record': {
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of node.fields) out[field.name] = toJsonValue(field.type, record[field.name], options);
      return out;
    }
    default:
      return value;
  }
}
