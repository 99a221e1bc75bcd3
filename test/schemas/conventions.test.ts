import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMAS_DIR, RECORD_TYPES, SchemaRegistry } from '../../schemas/index.ts';
import type { RecordTypeName } from '../../schemas/index.ts';
import published from './fixtures/published-fingerprints.json' with { type: 'json' };

type Json = Record<string, unknown>;

/** Every problem with our schema conventions in one .avsc (as parsed JSON). */
function conventionProblems(schema: Json): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      if (node.length !== 2 || node[0] !== 'null') problems.push(`${where}: a union must be ["null", T]`);
      node.forEach((branch: unknown) => visit(branch, where));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as Json;
    if (n['type'] === 'record' || n['type'] === 'enum') {
      if (typeof n['doc'] !== 'string' || n['doc'] === '')
        problems.push(`${where}: ${String(n['name'])} has no doc`);
    }
    if (n['type'] === 'record') {
      for (const field of n['fields'] as Json[]) {
        const at = `${where}.${String(field['name'])}`;
        if (typeof field['doc'] !== 'string' || field['doc'] === '') problems.push(`${at}: no doc`);
        if (!/^[a-z][a-z0-9_]*$/.test(String(field['name']))) problems.push(`${at}: not snake_case`);
        if ('default' in field && Array.isArray(field['type']) && field['default'] !== null) {
          problems.push(`${at}: an optional field's default must be null`);
        }
        visit(field['type'], at);
      }
    }
    if (n['type'] === 'array') visit(n['items'], `${where}[]`);
    if (n['type'] === 'map') visit(n['values'], `${where}{}`);
  };
  if (schema['namespace'] !== 'tradewatch') problems.push('namespace must be tradewatch');
  visit(schema, String(schema['name']));
  return problems;
}

describe('schema conventions', () => {
  it('every .avsc in schemas/ is a record type we list', async () => {
    const files = (await readdir(DEFAULT_SCHEMAS_DIR)).filter((f) => f.endsWith('.avsc')).sort();
    const registry = await SchemaRegistry.load();
    expect(files).toEqual(
      RECORD_TYPES.map((name) => registry.codec(name).schemaFile.split('/').at(-1)).sort(),
    );
  });

  it.each(RECORD_TYPES)(
    '%s: namespace tradewatch, docs everywhere, optionals are ["null", T]',
    async (name) => {
      const registry = await SchemaRegistry.load();
      const schema = JSON.parse(await readFile(registry.codec(name).schemaFile, 'utf8')) as Json;
      expect(conventionProblems(schema)).toEqual([]);
    },
  );

  it('the designed records give every optional field a null default', async () => {
    const registry = await SchemaRegistry.load();
    for (const name of ['Trade', 'IngestRun', 'Signal', 'PortfolioMark', 'InferenceCycle'] as const) {
      const schema = JSON.parse(await readFile(registry.codec(name).schemaFile, 'utf8')) as {
        fields: Json[];
      };
      for (const field of schema.fields.filter((f) => Array.isArray(f['type']))) {
        expect(field, `${name}.${String(field['name'])}`).toHaveProperty('default', null);
      }
    }
  });

  it('every published fingerprint is still decodable (current or in schemas/history)', async () => {
    const registry = await SchemaRegistry.load();
    for (const [name, fingerprints] of Object.entries(published.published)) {
      const known = registry.versions(name as RecordTypeName).map((v) => v.fingerprint);
      for (const fingerprint of fingerprints) {
        expect(
          known,
          `${name} ${fingerprint} was published but no schema has it any more: restore the old .avsc as schemas/history/<record>.v<N>.avsc`,
        ).toContain(fingerprint);
      }
    }
    // A new current schema must be recorded as published too.
    for (const name of RECORD_TYPES) {
      expect(
        published.published[name],
        `${name}'s current fingerprint is not in test/schemas/fixtures/published-fingerprints.json: if you changed the schema, move the old file to schemas/history/ and append the new fingerprint`,
      ).toContain(registry.codec(name).fingerprint);
    }
  });

  it('the schemas folder has a history folder with its README', async () => {
    expect(await readdir(join(DEFAULT_SCHEMAS_DIR, 'history'))).toContain('README.md');
  });
});
