/**
 * The Parsing Canonical Form of an Avro schema (Avro specification, "Transforming into Parsing
 * Canonical Form"): what the schema fingerprint is computed over.
 *
 * We write it ourselves rather than taking avsc's `Type#schema()`: that output happens to match for our
 * schemas today, but it is not documented as canonical and would change if logical types were ever
 * registered with avsc. This works on the raw JSON, for any valid Avro schema, and follows the Java
 * reference implementation where the spec is silent: a named type already defined is written as its
 * full name.
 */

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/** Thrown when the input is not a schema we can put in canonical form. */
export class CanonicalFormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalFormError';
  }
}

/** The Parsing Canonical Form of `schema` (a JSON-parsed Avro schema). */
export function canonicalForm(schema: unknown): string {
  return write(schema, '', new Set<string>());
}

/** The full name of a named type declared as `name` with optional `namespace`, inside `enclosing`. */
export function fullName(name: string, namespace: unknown, enclosing: string): string {
  if (name.includes('.')) return name;
  const space = typeof namespace === 'string' ? namespace : enclosing;
  return space === '' ? name : `${space}.${name}`;
}

function namespaceOf(full: string): string {
  const dot = full.lastIndexOf('.');
  return dot === -1 ? '' : full.slice(0, dot);
}

function reference(name: string, enclosing: string, defined: Set<string>): string {
  const qualified = fullName(name, undefined, enclosing);
  if (defined.has(qualified)) return JSON.stringify(qualified);
  // A short name may also refer to a type in the null namespace.
  if (defined.has(name)) return JSON.stringify(name);
  throw new CanonicalFormError(`unknown type ${JSON.stringify(name)}`);
}

function write(schema: unknown, enclosing: string, defined: Set<string>): string {
  if (typeof schema === 'string') {
    return PRIMITIVES.has(schema) ? JSON.stringify(schema) : reference(schema, enclosing, defined);
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => write(branch, enclosing, defined)).join(',')}]`;
  }
  if (typeof schema !== 'object' || schema === null) {
    throw new CanonicalFormError(`not a schema: ${JSON.stringify(schema)}`);
  }
  const node = schema as Record<string, unknown>;
  const type = node['type'];
  if (typeof type !== 'string') {
    throw new CanonicalFormError(`"type" must be a string, found ${JSON.stringify(type)}`);
  }
  // [PRIMITIVES] and [STRIP]: {"type":"long","logicalType":...} is just "long".
  if (PRIMITIVES.has(type)) return JSON.stringify(type);
  if (type === 'array') return `{"type":"array","items":${write(node['items'], enclosing, defined)}}`;
  if (type === 'map') return `{"type":"map","values":${write(node['values'], enclosing, defined)}}`;
  if (!NAMED.has(type)) return reference(type, enclosing, defined);

  const name = node['name'];
  if (typeof name !== 'string' || name === '') {
    throw new CanonicalFormError(`a ${type} needs a "name"`);
  }
  const full = fullName(name, node['namespace'], enclosing);
  if (defined.has(full)) return JSON.stringify(full);
  defined.add(full);
  const head = `{"name":${JSON.stringify(full)},"type":${JSON.stringify(type)}`;
  if (type === 'enum') {
    const symbols = node['symbols'];
    if (!Array.isArray(symbols)) throw new CanonicalFormError(`enum ${full} needs "symbols"`);
    return `${head},"symbols":${JSON.stringify(symbols)}}`;
  }
  if (type === 'fixed') {
    // [INTEGERS]: a size written as "016" or 16 is 16.
    const size = Number(node['size']);
    if (!Number.isInteger(size) || size < 0) throw new CanonicalFormError(`fixed ${full} needs a "size"`);
    return `${head},"size":${size}}`;
  }
  const fields = node['fields'];
  if (!Array.isArray(fields)) throw new CanonicalFormError(`record ${full} needs "fields"`);
  const inner = namespaceOf(full);
  const written = fields.map((field: unknown) => {
    if (
      typeof field !== 'object' ||
      field === null ||
      typeof (field as { name?: unknown }).name !== 'string'
    ) {
      throw new CanonicalFormError(`record ${full} has a field without a name`);
    }
    const f = field as { name: string; type?: unknown };
    return `{"name":${JSON.stringify(f.name)},"type":${write(f.type, inner, defined)}}`;
  });
  return `${head},"fields":[${written.join(',')}]}`;
}
