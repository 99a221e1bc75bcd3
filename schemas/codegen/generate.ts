/**
 * Generates `schemas/types.generated.ts` from the `.avsc` files: one TypeScript type per named Avro
 * type, so that code and contract cannot drift apart (a test fails when the file is stale).
 *
 * Mapping: enum → string-literal union plus an `as const` array of its symbols; record → interface;
 * `["null", T]` → `T | null`; map → `Record<string, T>`; array → `T[]`; int, long, float, double and
 * timestamp-millis → `number` (longs are safe integers, timestamps epoch milliseconds).
 */
import { loadSchemas } from '../load-schemas.ts';
import { RECORD_TYPES, fileStem } from '../record-types.ts';
import { namedTypes } from '../schema-model.ts';
import type { EnumNode, RecordNode, SchemaNode } from '../schema-model.ts';
import { join } from 'node:path';

/** The command that regenerates the file, as printed in messages. */
export const REGENERATE_COMMAND = 'npx node schemas/codegen/main.ts';

/** The file the types go to, inside the schemas folder. */
export const GENERATED_FILE = 'types.generated.ts';

/** The content of `types.generated.ts` for the schemas in `schemasDir`. */
export async function generateTypes(schemasDir: string): Promise<string> {
  const loaded = await loadSchemas(schemasDir, [{ dir: join(schemasDir, 'history'), required: false }]);
  const emitted = new Set<string>();
  const blocks: string[] = [];
  for (const name of RECORD_TYPES) {
    const model = loaded.current.get(name)?.model;
    if (model === undefined) continue;
    // Dependencies first, the record last: the file reads top-down.
    const named = namedTypes(model).reverse();
    for (const node of named) {
      if (emitted.has(node.fullName)) continue;
      emitted.add(node.fullName);
      const source = node === model ? `${fileStem(name)}.avsc` : undefined;
      blocks.push(node.kind === 'enum' ? enumBlock(node) : recordBlock(node, source));
    }
  }
  const map = RECORD_TYPES.map((name) => `  ${name}: ${name};`).join('\n');
  return [
    `// Generated from schemas/*.avsc by schemas/codegen/main.ts. Do not edit: change the .avsc and run`,
    `// \`${REGENERATE_COMMAND}\` (npm run schemas:types).`,
    '',
    ...blocks,
    '/** Each record type by name, for `SchemaRegistry#codec`. */',
    'export interface RecordTypes {',
    map,
    '}',
    '',
  ].join('\n');
}

function docComment(doc: string | undefined, indent = ''): string {
  if (doc === undefined || doc === '') return '';
  return `${indent}/** ${doc.replaceAll('*/', '*\\/')} */\n`;
}

/** `ENVIRONMENTS` for `Environment`, `ALERT_STATUSES` for `AlertStatus`, `SEVERITIES` for `Severity`. */
export function symbolsConstName(name: string): string {
  const snake = name.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toUpperCase();
  if (/[^AEIOU]Y$/.test(snake)) return `${snake.slice(0, -1)}IES`;
  if (/(S|X|CH|SH)$/.test(snake)) return `${snake}ES`;
  return `${snake}S`;
}

function enumBlock(node: EnumNode): string {
  const symbols = node.symbols.map((s) => `'${s}'`);
  return (
    docComment(node.doc) +
    `export type ${node.name} = ${symbols.join(' | ')};\n` +
    `/** Every ${node.name} symbol, in schema order. */\n` +
    `export const ${symbolsConstName(node.name)} = [${symbols.join(', ')}] as const satisfies readonly ${node.name}[];\n`
  );
}

function recordBlock(node: RecordNode, source: string | undefined): string {
  const fields = node.fields
    .map((f) => `${docComment(f.doc, '  ')}  ${f.name}: ${tsType(f.type)};\n`)
    .join('');
  const doc = source === undefined ? node.doc : `${node.doc ?? node.name} Schema: schemas/${source}.`;
  return `${docComment(doc)}export interface ${node.name} {\n${fields}}\n`;
}

function tsType(node: SchemaNode): string {
  switch (node.kind) {
    case 'enum':
    case 'record':
      return node.name;
    case 'array': {
      const items = tsType(node.items);
      return items.includes(' ') ? `(${items})[]` : `${items}[]`;
    }
    case 'map':
      return `Record<string, ${tsType(node.values)}>`;
    case 'optional':
      return `${tsType(node.type)} | null`;
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    default:
      return 'number';
  }
}
