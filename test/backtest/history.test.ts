/**
 * History, point in time, on the real QuestDB: the history processor's rows (each with ingested_at =
 * the Kafka timestamp) read back by backtest/history.ts, and a signal revised after t not seen at t.
 */
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../backtest/history.ts';
import { runBacktest } from '../../backtest/engine/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { namespace } from '../../core/namespace.ts';
import { createHistoryProcessor } from '../../processors/history/index.ts';
import { VirtualRunner } from '../../runtime/processor/virtual-runner.ts';
import type { InferenceCycle, Outcome, Signal } from '../../schemas/index.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { HISTORY_TABLES } from '../../sinks/questdb/history-tables.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { directQuestDb, dropWhenFinished, questdbUrl } from '../sinks/questdb/helpers.ts';
import { uniqueName } from '../helpers/unique.ts';
import { H, T0, config } from './engine-fixtures.ts';
import { onTestFinished } from 'vitest';

const MIN = 60_000;

function inferenceCycle(asOf: number, scores: Record<string, number>): InferenceCycle {
  return {
    cycle_id: `c-${asOf}`,
    strategy: 'momentum',
    env: 'prod',
    model_version: 'm1',
    weights_version: null,
    weights_updated_at: null,
    as_of: asOf,
    started_at: asOf,
    finished_at: asOf + MIN,
    status: 'success',
    error: null,
    horizon_ms: H,
    metrics: {},
    predictions: Object.entries(scores).map(([asset, score], i) => ({ asset, score, rank: i + 1 })),
  };
}

const signal = (asset: string, value: number, ts: number): Signal => ({
  source: 'github',
  asset,
  name: 'commits',
  value,
  unit: null,
  ts,
  labels: { repo: `${asset.toLowerCase()}/core` },
  flags: [],
});

describe('history', () => {
  it('is written with ingested_at and read point in time', async () => {
    const ns = namespace(
      uniqueName('bt')
        .replace(/[^a-z0-9]/g, '_')
        .toLowerCase(),
    );
    const tables = HISTORY_TABLES.map((t) => ({ ...t, name: ns.table(t.name) }));
    dropWhenFinished(tables);
    const sink = await QuestDbSink.create({ httpUrl: questdbUrl(), logger: silentLogger(), tables });
    onTestFinished(() => sink.close());

    const runner = new VirtualRunner(createHistoryProcessor());
    const feed = (topic: string, record: InferenceCycle | Outcome | Signal, timestamp: number) =>
      runner.push(topic, record, { timestamp, key: 'k' });
    feed('inference.cycles', inferenceCycle(T0, { A: 2, B: 1 }), T0 + MIN);
    feed('inference.cycles', inferenceCycle(T0 + H, { A: 1, B: 2 }), T0 + H + MIN);
    feed('signals', signal('A', 4, T0 - 30 * MIN), T0 - 29 * MIN);
    feed('signals', signal('B', 8, T0 - 30 * MIN), T0 - 29 * MIN);
    // A's value revised after T0: seen at T0+1h, not at T0.
    feed('signals', signal('A', 100, T0 - 30 * MIN), T0 + 10 * MIN);
    for (const [asOf, a, b] of [
      [T0, 0.01, 0.02],
      [T0 + H, 0.03, -0.01],
    ] as const) {
      feed('outcomes', { asset: 'A', as_of: asOf, horizon_ms: H, forward_return: a }, asOf + H + MIN);
      feed('outcomes', { asset: 'B', as_of: asOf, horizon_ms: H, forward_return: b }, asOf + H + MIN);
    }
    const rows = runner.rows().map((r) => ({ ...r, table: ns.table(r.table) }));
    expect(rows.filter((r) => r.table === ns.table('history_signals'))).toHaveLength(3);
    sink.write(rows);
    await sink.flush();
    const db = directQuestDb();
    await db.waitForRows(ns.table('history_outcomes'), undefined, 4);
    await db.waitForRows(ns.table('history_signals'), undefined, 3);
    await db.waitForRows(ns.table('history_predictions'), undefined, 4);
    await db.waitForRows(ns.table('history_cycles'), undefined, 2);
    const revisions = await db.query(
      `SELECT value, ingested_at FROM ${ns.table('history_signals')} WHERE asset = 'A' ORDER BY ingested_at`,
    );
    expect(revisions.rows).toEqual([
      { value: 4, ingested_at: new Date(T0 - 29 * MIN).toISOString().replace('Z', '000Z') },
      { value: 100, ingested_at: new Date(T0 + 10 * MIN).toISOString().replace('Z', '000Z') },
    ]);

    const c = config(
      [
        'factors: [{ name: "signal:github.commits", weight: 1 }]',
        'selection: { k: 1 }',
        'metrics: { ks: [1] }',
      ].join('\n'),
      '2025-01-01T00:00:00Z',
      '2025-01-01T02:00:00Z',
    );
    const history = await readHistory(
      { endpoint: parseEndpoint(questdbUrl()), namespace: ns, knownAt: T0 + 10 * H },
      c,
    );
    expect(history.inputs.cycles.map((x) => [x.asOf, x.predictions.length])).toEqual([
      [T0, 2],
      [T0 + H, 2],
    ]);
    expect(history.inputs.signals.map((s) => [s.asset, s.value, s.ingestedAt])).toEqual([
      ['A', 4, T0 - 29 * MIN],
      ['A', 100, T0 + 10 * MIN],
      ['B', 8, T0 - 29 * MIN],
    ]);
    const { periods } = runBacktest(history.inputs, c);
    // At T0, A's signal is 4 (the revision is not known yet): B (8) is held; at T0+1h A (100) is.
    expect(periods.map((p) => p.weights)).toEqual([{ B: 1 }, { A: 1 }]);
    expect(periods.map((p) => p.grossReturn)).toEqual([0.02, 0.03]);

    // Known at T0+5m: the revision and the later cycle's rows are left out.
    const early = await readHistory(
      { endpoint: parseEndpoint(questdbUrl()), namespace: ns, knownAt: T0 + 5 * MIN },
      c,
    );
    expect(early.inputs.signals.map((s) => s.value)).toEqual([4, 8]);
    expect(early.inputs.cycles).toHaveLength(1);
    expect(early.digests['signals']).not.toBe(history.digests['signals']);
  });
});
