/**
 * Avro's JSON encoding (Avro specification, "JSON Encoding"), the form Apache Avro's JsonDecoder reads
 * and its JsonEncoder writes: what the interop test exchanges with the Java program as text.
 *
 * It differs from tradewatch's own JSON form (`Codec#toJson`) in unions: a non-null union value is
 * wrapped in an object naming its branch (`{"double": 1.5}`, `{"tradewatch.Liquidity": "maker"}`).
 * Doubles that JSON numbers cannot hold are the strings "NaN", "Infinity" and "-Infinity"
 * (as Java writes and reads them); -0 is written as `-0.0` by {@link avroJsonText}.
 *
 * Works on the raw `.avsc` JSON, independently of the codec under test.
 */

type Node =
  | { kind: 'primitive'; type: string }
  | { kind: 'record'; name: string; fields: { name: string; type: Node }[] }
  | { kind: 'enum'; name: string; symbols: string[] }
  | { kind: 'array'; items: Node }
  | { kind: 'map'; values: Node }
  | { kind: 'union'; branches: Node[] };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);

/** Converts between plain values (as our codec decodes them) and Avro's JSON encoding, for one schema. */
export class AvroJson {
  readonly #root: Node;

  constructor(schema: unknown) {
    this.#root = compile(schema, '', new Map());
  }

  /** The Avro JSON encoding of a plain value; throws if the value does not fit the schema. */
  toAvroJson(value: unknown): unknown {
    return toAvro(this.#root, value, '$');
  }

  /** The plain value of an Avro JSON encoding; throws if the JSON does not fit the schema. */
  fromAvroJson(json: unknown): unknown {
    return fromAvro(this.#root, json, '$');
  }

  /**
   * The number of entries of the largest map in a plain value (0 without maps). Where it is more than
   * one, implementations may write the entries in different orders, so the bytes are not comparable.
   */
  largestMap(value: unknown): number {
    return largestMap(this.#root, value);
  }
}

function largestMap(node: Node, value: unknown): number {
  switch (node.kind) {
    case 'record':
      return isObject(value) ? Math.max(0, ...node.fields.map((f) => largestMap(f.type, value[f.name]))) : 0;
    case 'array':
      return Array.isArray(value) ? Math.max(0, ...value.map((v) => largestMap(node.items, v))) : 0;
    case 'map': {
      if (!isObject(value)) return 0;
      const values = Object.values(value);
      return Math.max(values.length, ...values.map((v) => largestMap(node.values, v)));
    }
    case 'union':
      return Math.max(0, ...node.branches.map((b) => largestMap(b, value)));
    default:
      return 0;
  }
}

/**
 * JSON text of an Avro JSON value, on one line. Like JSON.stringify, but keeps the sign of -0
 * (`-0.0`, which Java reads as negative zero); JSON.stringify would write `0`.
 */
export function avroJsonText(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0.0' : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(avroJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${avroJsonText(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function compile(schema: unknown, namespace: string, names: Map<string, Node>): Node {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return { kind: 'primitive', type: schema };
    const named = names.get(schema.includes('.') ? schema : qualify(schema, namespace));
    if (named === undefined) throw new Error(`unsupported or unknown type ${schema}`);
    return named;
  }
  if (Array.isArray(schema)) {
    return { kind: 'union', branches: schema.map((s) => compile(s, namespace, names)) };
  }
  if (typeof schema !== 'object' || schema === null) throw new Error(`not a schema: ${String(schema)}`);
  const s = schema as Record<string, unknown>;
  const type = s['type'];
  switch (type) {
    case 'record':
    case 'enum': {
      const full = fullName(s, namespace);
      const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
      if (type === 'enum') {
        const node: Node = { kind: 'enum', name: full, symbols: s['symbols'] as string[] };
        names.set(full, node);
        return node;
      }
      const fields: { name: string; type: Node }[] = [];
      const node: Node = { kind: 'record', name: full, fields };
      names.set(full, node); // before the fields: they may refer to it
      for (const f of s['fields'] as { name: string; type: unknown }[]) {
        fields.push({ name: f.name, type: compile(f.type, inner, names) });
      }
      return node;
    }
    case 'array':
      return { kind: 'array', items: compile(s['items'], namespace, names) };
    case 'map':
      return { kind: 'map', values: compile(s['values'], namespace, names) };
    default:
      // A primitive written as an object, possibly with a logical type: timestamp-millis is a long.
      if (typeof type === 'string' && PRIMITIVES.has(type)) return { kind: 'primitive', type };
      throw new Error(`unsupported schema ${JSON.stringify(schema)}`);
  }
}

function fullName(s: Record<string, unknown>, namespace: string): string {
  const name = s['name'] as string;
  if (name.includes('.')) return name;
  const space = typeof s['namespace'] === 'string' ? s['namespace'] : namespace;
  return qualify(name, space);
}

function qualify(name: string, namespace: string): string {
  return namespace === '' ? name : `${namespace}.${name}`;
}

/** The name Avro's JSON encoding gives a union branch: the full name of a named type, else the type. */
function branchName(node: Node): string {
  switch (node.kind) {
    case 'primitive':
      return node.type;
    case 'record':
    case 'enum':
      return node.name;
    default:
      return node.kind;
  }
}

function fail(path: string, expected: string, found: unknown): never {
  throw new Error(`${path}: expected ${expected}, found ${avroJsonText(found)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SPECIAL_DOUBLES: ReadonlyMap<string, number> = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

function toAvro(node: Node, value: unknown, path: string): unknown {
  switch (node.kind) {
    case 'primitive':
      switch (node.type) {
        case 'null':
          return value === null ? null : fail(path, 'null', value);
        case 'int':
        case 'long':
          return Number.isSafeInteger(value) ? (value as number) + 0 : fail(path, node.type, value);
        case 'float':
        case 'double':
          if (typeof value !== 'number') return fail(path, node.type, value);
          if (Number.isNaN(value)) return 'NaN';
          if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
          return value;
        default:
          return typeof value === node.type ? value : fail(path, node.type, value);
      }
    case 'enum':
      return typeof value === 'string' && node.symbols.includes(value) ? value : fail(path, node.name, value);
    case 'record': {
      if (!isObject(value)) return fail(path, node.name, value);
      const extra = Object.keys(value).filter((k) => !node.fields.some((f) => f.name === k));
      if (extra.length > 0) fail(path, `only the fields of ${node.name}`, extra);
      return Object.fromEntries(
        node.fields.map((f) => [f.name, toAvro(f.type, value[f.name], `${path}.${f.name}`)]),
      );
    }
    case 'array':
      return Array.isArray(value)
        ? value.map((v, i) => toAvro(node.items, v, `${path}[${i}]`))
        : fail(path, 'array', value);
    case 'map':
      return isObject(value)
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, toAvro(node.values, v, `${path}.${k}`)]),
          )
        : fail(path, 'map', value);
    case 'union': {
      if (value === null && node.branches.some((b) => branchName(b) === 'null')) return null;
      const candidates = node.branches.filter((b) => branchName(b) !== 'null');
      // tradewatch's schemas only have ["null", T]; a value of a wider union would be ambiguous here.
      if (candidates.length !== 1) throw new Error(`${path}: only unions of null and one type are supported`);
      const branch = candidates[0] as Node;
      return { [branchName(branch)]: toAvro(branch, value, path) };
    }
  }
}

function fromAvro(node: Node, json: unknown, path: string): unknown {
  switch (node.kind) {
    case 'primitive':
      switch (node.type) {
        case 'null':
          return json === null ? null : fail(path, 'null', json);
        case 'int':
        case 'long':
          return Number.isSafeInteger(json) ? json : fail(path, `${node.type} (safe integer)`, json);
        case 'float':
        case 'double':
          if (typeof json === 'number') return json;
          return (
            (typeof json === 'string' ? SPECIAL_DOUBLES.get(json) : undefined) ?? fail(path, node.type, json)
          );
        default:
          return typeof json === node.type ? json : fail(path, node.type, json);
      }
    case 'enum':
      return typeof json === 'string' && node.symbols.includes(json) ? json : fail(path, node.name, json);
    case 'record': {
      if (!isObject(json) || Object.keys(json).length !== node.fields.length) {
        return fail(path, `${node.name} with fields ${node.fields.map((f) => f.name).join(', ')}`, json);
      }
      return Object.fromEntries(
        node.fields.map((f) => {
          if (!(f.name in json)) fail(`${path}.${f.name}`, 'a value', json);
          return [f.name, fromAvro(f.type, json[f.name], `${path}.${f.name}`)];
        }),
      );
    }
    case 'array':
      return Array.isArray(json)
        ? json.map((v, i) => fromAvro(node.items, v, `${path}[${i}]`))
        : fail(path, 'array', json);
    case 'map':
      return isObject(json)
        ? Object.fromEntries(
            Object.entries(json).map(([k, v]) => [k, fromAvro(node.values, v, `${path}.${k}`)]),
          )
        : fail(path, 'map', json);
    case 'union': {
      if (json === null) {
        return node.branches.some((b) => branchName(b) === 'null')
          ? null
          : fail(path, 'a non-null branch', json);
      }
      const keys = isObject(json) ? Object.keys(json) : [];
      const branch = node.branches.find((b) => keys.length === 1 && branchName(b) === keys[0]);
      if (branch === undefined || !isObject(json)) {
        return fail(path, `one of ${node.branches.map(branchName).join(', ')} as {"<branch>": value}`, json);
      }
      return fromAvro(branch, json[keys[0] as string], path);
    }
  }
}
