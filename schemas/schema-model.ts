/**
 * The shape of a tradewatch schema, as the codec, the JSON form and the type generator see it.
 *
 * Terminology:
 * - a *node* is one Avro type in a schema (a record, a field's type, an array's items...);
 * - an *optional* node is the union `["null", T]`: the only union tradewatch schemas use, because
 *   it has one obvious JSON and TypeScript form (`T | null`);
 * - a *timestamp* is a `long` with `logicalType: timestamp-millis`, epoch milliseconds as a JS number.
 *
 * Only what our contracts need is supported (no bytes, fixed or general unions): a schema using
 * more is rejected at load with the reason, rather than given a JSON form nobody agreed on.
 */
import { fullName } from './canonical-form.ts';

/** A primitive Avro type we accept, by its Avro name. */
export type PrimitiveKind = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string';

/** One Avro type in a schema. */
export type SchemaNode =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'timestamp' }
  | EnumNode
  | RecordNode
  | { readonly kind: 'array'; readonly items: SchemaNode }
  | { readonly kind: 'map'; readonly values: SchemaNode }
  | { readonly kind: 'optional'; readonly type: SchemaNode };

/** An Avro enum: a named set of string symbols. */
export interface EnumNode {
  readonly kind: 'enum';
  /** Short name, e.g. `Environment`. */
  readonly name: string;
  /** Full name, e.g. `tradewatch.Environment`. */
  readonly fullName: string;
  readonly doc: string | undefined;
  readonly symbols: readonly string[];
}

/** An Avro record. */
export interface RecordNode {
  readonly kind: 'record';
  readonly name: string;
  readonly fullName: string;
  readonly doc: string | undefined;
  readonly fields: readonly FieldNode[];
}

/** One field of a record. */
export interface FieldNode {
  readonly name: string;
  readonly doc: string | undefined;
  readonly type: SchemaNode;
  /** Whether the schema gives a default, used when JSON input leaves the field out. */
  readonly hasDefault: boolean;
  /** The default as written in the schema (Avro's JSON form of the value). */
  readonly default: unknown;
}

/** A schema that is valid JSON but not one the tradewatch codec supports; `path` says where. */
export class SchemaModelError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path === '' ? '' : `at ${path}: `}${message}`);
    this.name = 'SchemaModelError';
    this.path = path;
  }
}

const PRIMITIVE_KINDS = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);

/** Builds the model of a top-level record schema (the parsed content of an `.avsc` file). */
export function buildModel(schema: unknown): RecordNode {
  const node = build(schema, '', new Map(), '');
  if (node.kind !== 'record') throw new SchemaModelError('', 'the top-level schema must be a record');
  return node;
}

type Named = Map<string, EnumNode | RecordNode>;

function build(schema: unknown, namespace: string, named: Named, path: string): SchemaNode {
  if (typeof schema === 'string') {
    if (PRIMITIVE_KINDS.has(schema)) return { kind: schema as PrimitiveKind };
    const found = named.get(fullName(schema, undefined, namespace)) ?? named.get(schema);
    if (found === undefined) {
      throw new SchemaModelError(path, `unknown or unsupported type ${JSON.stringify(schema)}`);
    }
    return found;
  }
  if (Array.isArray(schema)) {
    const branches: unknown[] = schema;
    const nullIndex = branches.indexOf('null');
    if (branches.length !== 2 || nullIndex === -1) {
      throw new SchemaModelError(path, 'only ["null", T] unions are supported (an optional value)');
    }
    return { kind: 'optional', type: build(branches[1 - nullIndex], namespace, named, path) };
  }
  if (typeof schema !== 'object' || schema === null) {
    throw new SchemaModelError(path, `not a schema: ${JSON.stringify(schema)}`);
  }
  const node = schema as Record<string, unknown>;
  const type = node['type'];
  const doc = typeof node['doc'] === 'string' ? node['doc'] : undefined;
  if (type === 'long' && node['logicalType'] === 'timestamp-millis') return { kind: 'timestamp' };
  if (node['logicalType'] !== undefined) {
    throw new SchemaModelError(path, `logical type ${JSON.stringify(node['logicalType'])} is not supported`);
  }
  if (typeof type === 'string' && PRIMITIVE_KINDS.has(type)) return { kind: type as PrimitiveKind };
  if (type === 'array') return { kind: 'array', items: build(node['items'], namespace, named, `${path}[]`) };
  if (type === 'map') return { kind: 'map', values: build(node['values'], namespace, named, `${path}{}`) };
  if (type === 'enum' || type === 'record') {
    const name = node['name'];
    if (typeof name !== 'string') throw new SchemaModelError(path, `a ${type} needs a "name"`);
    const full = fullName(name, node['namespace'], namespace);
    if (named.has(full)) throw new SchemaModelError(path, `${full} is defined twice`);
    const short = full.slice(full.lastIndexOf('.') + 1);
    if (type === 'enum') {
      const symbols = node['symbols'];
      if (!Array.isArray(symbols) || !symbols.every((s): s is string => typeof s === 'string')) {
        throw new SchemaModelError(path, `enum ${full} needs "symbols", a list of strings`);
      }
      const result: EnumNode = { kind: 'enum', name: short, fullName: full, doc, symbols };
      named.set(full, result);
      return result;
    }
    const fields: FieldNode[] = [];
    // Registered before its fields are built, as Avro allows; a recursive record has no JSON form
    // problem, but none of ours is recursive and the generated types would need care.
    const result: RecordNode = { kind: 'record', name: short, fullName: full, doc, fields };
    named.set(full, result);
    const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
    const rawFields = node['fields'];
    if (!Array.isArray(rawFields)) throw new SchemaModelError(path, `record ${full} needs "fields"`);
    for (const raw of rawFields as unknown[]) {
      if (typeof raw !== 'object' || raw === null || typeof (raw as { name?: unknown }).name !== 'string') {
        throw new SchemaModelError(path, `record ${full} has a field without a "name"`);
      }
      const field = raw as Record<string, unknown> & { name: string };
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      fields.push({
        name: field.name,
        doc: typeof field['doc'] === 'string' ? field['doc'] : undefined,
        type: build(field['type'], inner, named, fieldPath),
        hasDefault: 'default' in field,
        default: field['default'],
      });
    }
    return result;
  }
  if (typeof type === 'string' && type !== 'fixed' && type !== 'error') {
    return build(type, namespace, named, path);
  }
  throw new SchemaModelError(path, `type ${JSON.stringify(type)} is not supported`);
}

/** Every named type (enum or record) reachable from `root`, in definition order, root included. */
export function namedTypes(root: RecordNode): (EnumNode | RecordNode)[] {
  const seen = new Set<SchemaNode>();
  const out: (EnumNode | RecordNode)[] = [];
  const visit = (node: SchemaNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    switch (node.kind) {
      case 'enum':
        out.push(node);
        return;
      case 'record':
        out.push(node);
        for (const field of node.fields) visit(field.type);
        return;
      case 'array':
        return visit(node.items);
      case 'map':
        return visit(node.values);
      case 'optional':
        return visit(node.type);
      default:
        return;
    }
  };
  visit(root);
  return out;
}
