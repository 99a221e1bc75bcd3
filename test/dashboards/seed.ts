/**
 * Writes the seed rows (seed-rows.ts) through the QuestDB sink into a namespace of their own
 * (`dash<random>__<table>`), waits until QuestDB shows them, and drops the tables when the test ends.
 */
import { randomBytes } from 'node:crypto';
import { namespace, type Namespace } from '../../core/namespace.ts';
import { silentLogger } from '../../core/logger.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { QuestDbSink, TABLES } from '../../sinks/questdb/index.ts';
import { seedRows, type SeedRows } from './seed-rows.ts';

export interface Seeded extends SeedRows {
  readonly ns: Namespace;
  /** Rows written per logical table. */
  readonly counts: ReadonlyMap<string, number>;
}

/** Seeds a fresh namespace on QuestDB at `httpUrl`; `release` drops its tables (call it in afterAll). */
export async function seedNamespace(httpUrl: string): Promise<{
  seeded: Seeded;
  release: () => Promise<void>;
  /** Writes more rows (logical table names) into the namespace and waits until QuestDB shows them. */
  write: (rows: readonly SinkRow[]) => Promise<void>;
}> {
  const ns = namespace(`dash${randomBytes(4).toString('hex')}`);
  const sink = await QuestDbSink.create({
    httpUrl,
    logger: silentLogger(),
    tables: TABLES.map((t) => ({ ...t, name: ns.table(t.name) })),
  });
  const release = async (): Promise<void> => {
    try {
      for (const t of TABLES) await sink.query(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
    } finally {
      await sink.close();
    }
  };
  try {
    const seeded = await seedRows(ns.name);
    const counts = new Map<string, number>();
    for (const row of seeded.rows) counts.set(row.table, (counts.get(row.table) ?? 0) + 1);
    sink.write(seeded.rows.map((row) => ({ ...row, table: ns.table(row.table) })));
    await sink.flush();
    // Dedup may fold repeated (ts, keys): wait for at least one row and the WAL fully applied.
    for (const table of counts.keys()) await sink.waitForRows(ns.table(table), undefined, 1);
    const write = async (rows: readonly SinkRow[]): Promise<void> => {
      sink.write(rows.map((row) => ({ ...row, table: ns.table(row.table) })));
      await sink.flush();
      for (const row of rows) {
        await sink.waitForRows(ns.table(row.table), `ts = ${row.ts * 1000}::timestamp`, 1);
      }
    };
    return { seeded: { ...seeded, ns, counts }, release, write };
  } catch (e: unknown) {
    await release();
    throw e;
  }
}
