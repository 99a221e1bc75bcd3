/**
 * Writes the seed rows (seed-rows.ts) through the QuestDB sink into a namespace of their own
 * (`dash<random>__<table>`), waits until QuestDB shows them, has a live drawdown runner and the
 * dead-letter recorder write their telemetry there (test/helpers/telemetry.ts: a dead letter, a late
 * record, progress reports, at 20:00 of the seeded day), backtests the history among them with
 * `backtest run`'s code (its results in the namespace's `backtest_*` tables), and drops the tables when
 * the test ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBacktestHere } from '../../backtest/run.ts';
import { demoBacktestConfig } from '../../cli/commands/demo-history.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { namespace, type Namespace } from '../../core/namespace.ts';
import { silentLogger } from '../../core/logger.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { BACKTEST_TABLES, QuestDbSink, TABLES } from '../../sinks/questdb/index.ts';
import { makeTelemetry } from '../helpers/telemetry.ts';
import { DAY0, SEED_HISTORY, seedRows, type SeedRows } from './seed-rows.ts';

export interface Seeded extends SeedRows {
  readonly ns: Namespace;
  /** Rows written per logical table. */
  readonly counts: ReadonlyMap<string, number>;
  /** The backtest of the seeded history: its id and version (in the `backtest_*` tables). */
  readonly backtest: { readonly id: string; readonly version: string };
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
  const artifacts = await mkdtemp(path.join(tmpdir(), 'tw-dash-bt-'));
  const release = async (): Promise<void> => {
    try {
      for (const t of [...TABLES, ...BACKTEST_TABLES])
        await sink.query(`DROP TABLE IF EXISTS ${ns.table(t.name)}`);
      await rm(artifacts, { recursive: true, force: true });
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
    // The telemetry of a live runner and the dead-letter recorder, on the test Kafka.
    await makeTelemetry(httpUrl, ns, DAY0 + 20 * 3_600_000);
    // Backtest results, by the code `backtest run` runs, over the seeded history.
    const config = demoBacktestConfig(SEED_HISTORY.end, SEED_HISTORY.cycles, SEED_HISTORY.env);
    const { result } = await runBacktestHere(config, {
      history: { endpoint: parseEndpoint(httpUrl), namespace: ns, knownAt: SEED_HISTORY.end + 86_400_000 },
      artifactsDir: artifacts,
      threads: 1,
      questdb: { httpUrl, logger: silentLogger(), namespace: ns },
    });
    if (result.metrics.periods !== SEED_HISTORY.cycles)
      throw new Error(`the seed backtest has ${result.metrics.periods} periods, not ${SEED_HISTORY.cycles}`);
    for (const t of BACKTEST_TABLES) await sink.waitForRows(ns.table(t.name), undefined, 1);
    const backtest = { id: result.manifest.id, version: result.manifest.version };
    const write = async (rows: readonly SinkRow[]): Promise<void> => {
      sink.write(rows.map((row) => ({ ...row, table: ns.table(row.table) })));
      await sink.flush();
      for (const row of rows) {
        await sink.waitForRows(ns.table(row.table), `ts = ${row.ts * 1000}::timestamp`, 1);
      }
    };
    return { seeded: { ...seeded, ns, counts, backtest }, release, write };
  } catch (e: unknown) {
    await release();
    throw e;
  }
}
