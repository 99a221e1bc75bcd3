import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TradewatchError } from '../../core/errors.ts';
import { DEFAULT_SCHEMAS_DIR, SchemaRegistry } from '../../schemas/index.ts';
import type { RegistryOptions } from '../../schemas/index.ts';

const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A copy of the schemas folder to break, removed after the test. */
async function schemasCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tw-schemas-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(DEFAULT_SCHEMAS_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  return dir;
}

async function loadError(options: RegistryOptions): Promise<TradewatchError> {
  try {
    await SchemaRegistry.load(options);
  } catch (e: unknown) {
    if (e instanceof TradewatchError) return e;
    throw e;
  }
  throw new Error('expected loading to fail');
}

async function edit(file: string, change: (schema: Record<string, unknown>) => void): Promise<void> {
  const schema = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  change(schema);
  await writeFile(file, JSON.stringify(schema));
}

describe('loading schemas', () => {
  it('a history file that is not valid Avro: TW_SCHEMA_INVALID naming it, with the avsc reason', async () => {
    const error = await loadError({ extraHistoryDirs: [join(fixtures, 'broken-history')] });
    expect(error.code).toBe('TW_SCHEMA_INVALID');
    expect(error.message).toMatch(/broken-history\/alert\.v1\.avsc: is not a valid Avro schema: .*strnig/);
    expect(error.details['files']).toEqual([join(fixtures, 'broken-history', 'alert.v1.avsc')]);
  });

  it('a history version the current schema cannot read: names both files and the avsc reason', async () => {
    const error = await loadError({ extraHistoryDirs: [join(fixtures, 'incompatible-history')] });
    expect(error.code).toBe('TW_SCHEMA_INVALID');
    expect(error.message).toMatch(
      /incompatible-history\/portfolio-mark\.v1\.avsc: cannot be read by the current schema schemas\/portfolio-mark\.avsc: .*cannot read/,
    );
  });

  it('a broken current schema: names the file; every problem is listed at once', async () => {
    const dir = await schemasCopy();
    await writeFile(join(dir, 'alert.avsc'), '{ "type": "record", ');
    await edit(join(dir, 'metric.avsc'), (s) => {
      s['name'] = 'Metrics';
    });
    await edit(join(dir, 'outcome.avsc'), (s) => {
      (s['fields'] as Record<string, unknown>[]).push({ name: 'raw', type: 'bytes' });
    });
    await edit(join(dir, 'signal.avsc'), (s) => {
      (s['fields'] as Record<string, unknown>[]).push({ name: 'bad', type: 'int', default: 'x' });
    });
    await rm(join(dir, 'trade.avsc'));
    const error = await loadError({ schemasDir: dir });
    expect(error.code).toBe('TW_SCHEMA_INVALID');
    const problems = error.details['problems'] as string[];
    expect(problems).toHaveLength(5);
    expect(error.message).toContain(`${join(dir, 'alert.avsc')}: is not valid JSON`);
    expect(error.message).toContain(
      `${join(dir, 'metric.avsc')}: defines tradewatch.Metrics; this file must define the record tradewatch.Metric`,
    );
    expect(error.message).toContain(
      `${join(dir, 'outcome.avsc')}: uses what the tradewatch codec does not support`,
    );
    expect(error.message).toContain(`${join(dir, 'signal.avsc')}: is not a valid Avro schema`);
    expect(error.message).toContain(`${join(dir, 'trade.avsc')}: is missing`);
  });

  it('a shared type defined differently in two files', async () => {
    const dir = await schemasCopy();
    await edit(join(dir, 'trade.avsc'), (s) => {
      const env = (s['fields'] as { name: string; type: { symbols: string[] } }[]).find(
        (f) => f.name === 'env',
      );
      env?.type.symbols.push('backtest');
    });
    const error = await loadError({ schemasDir: dir });
    expect(error.message).toMatch(/trade\.avsc: defines tradewatch\.Environment differently from .*\.avsc/);
  });

  it('history files must be named <record>.v<N>.avsc, and extra history folders must exist', async () => {
    const dir = await schemasCopy();
    await writeFile(join(dir, 'history', 'portfolio-mark.avsc'), '{}');
    await writeFile(join(dir, 'history', 'position.v1.avsc'), '{}');
    const error = await loadError({ schemasDir: dir, extraHistoryDirs: [join(dir, 'nope')] });
    expect(error.details['problems']).toHaveLength(3);
    expect(error.message).toContain('portfolio-mark.avsc: is not named <record>.v<N>.avsc');
    expect(error.message).toContain('position.v1.avsc: is not named <record>.v<N>.avsc');
    expect(error.message).toContain(`${join(dir, 'nope')}: cannot be listed as a history folder`);
  });

  it('the same version number twice with different content', async () => {
    const dir = await schemasCopy();
    await cp(
      join(fixtures, 'history', 'portfolio-mark.v1.avsc'),
      join(dir, 'history', 'portfolio-mark.v1.avsc'),
    );
    await edit(join(dir, 'history', 'portfolio-mark.v1.avsc'), (s) => {
      (s['fields'] as Record<string, unknown>[]).push({
        name: 'note',
        type: ['null', 'string'],
        default: null,
      });
    });
    const error = await loadError({ schemasDir: dir, extraHistoryDirs: [join(fixtures, 'history')] });
    expect(error.message).toMatch(/is version 1 of PortfolioMark, and so is .*, which differs/);
  });

  it('an identical copy of the current schema in history is harmless', async () => {
    const dir = await schemasCopy();
    await cp(join(dir, 'metric.avsc'), join(dir, 'history', 'metric.v1.avsc'));
    const registry = await SchemaRegistry.load({ schemasDir: dir });
    expect(registry.versions('Metric')).toHaveLength(1);
  });
});
