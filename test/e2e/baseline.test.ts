/**
 * The baseline processor end to end, on the real Kafka and QuestDB, through `tradewatch run
 * --processors baseline,rules --baseline <file>`: inference cycles and trades in → z-score points and
 * realized PnL on `metrics`, rows in the `baseline` table, a warning alert once a strategy metric is
 * more than 3 standard deviations off its baseline 3 cycles in a row, late cycles and late PnL on
 * `late`; and SIGKILLed at random points, it ends with exactly the outputs of an uninterrupted run
 * computed in memory with the same pure processors.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createBaselineProcessor,
  parseBaselineOptions,
  type BaselineRecord,
  type BaselineState,
} from '../../processors/baseline/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import type { Output } from '../../runtime/processor/index.ts';
import {
  SchemaRegistry,
  type Alert,
  type InferenceCycle,
  type Metric,
  type Trade,
} from '../../schemas/index.ts';
import { physicalName, seriesKey } from '../../topics/index.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline, e2eTable } from '../helpers/pipeline.ts';
import { VirtualRunner } from '../../runtime/processor/index.ts';
import { questdbCount, questdbQuery } from '../helpers/questdb.ts';
import { readDeadLetters, readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-02-02T00:00:00Z */
const D0 = Date.UTC(2026, 1, 2);

/** Small enough to see z-scores after a few observations; the daily PnL gets a 3-day window. */
const BASELINE_YAML = `
defaults:
  half_life: 1d
  min_observations: 3
  grace: 10m
overrides:
  - metric: realized_pnl_1d
    min_observations: 2
    window: 3d
    window_bucket: 1d
`;

interface Scenario {
  readonly cycleStrategy: string;
  readonly pnlStrategy: string;
  readonly portfolio: string;
  readonly cycles: InferenceCycle[];
  readonly trades: Trade[];
}

/**
 * Strategy A: 20 cycles 10 minutes apart whose mean_score alternates 0.5 and 0.6, then 2, 4, 8 (far
 * off the baseline 3 cycles in a row: one warning), then 0.55 ×3 (back: resolved); a failed cycle
 * (ignored); and last, a cycle 30 minutes older than the newest (late). Strategy B, one portfolio:
 * a round trip a day realizing 1, 2, 3, 10 on days 0-3, an opening buy on day 4 (closes day 3), and
 * last a buy dated day 0 (its PnL point is late for the closed day).
 */
function scenario(tag: string): Scenario {
  const cycleStrategy = `bl-a-${tag}`;
  const pnlStrategy = `bl-b-${tag}`;
  const portfolio = `bl-p-${tag}`;
  const scores = [
    ...Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0.5 : 0.6)),
    2,
    4,
    8,
    0.55,
    0.55,
    0.55,
  ];
  const cycles = scores.map((score, i) =>
    cycle(
      cycleStrategy,
      `${cycleStrategy}-${i}`,
      D0 + i * 10 * MINUTE,
      { mean_score: score },
      900 + (i % 3) * 50,
    ),
  );
  const newest = cycles.at(-1)!.as_of;
  cycles.push({
    ...cycle(cycleStrategy, `${cycleStrategy}-failed`, newest + 10 * MINUTE, {}, 10),
    status: 'failure',
    error: 'feature store timeout',
  });
  cycles.push(cycle(cycleStrategy, `${cycleStrategy}-late`, newest - 30 * MINUTE, { mean_score: 0.5 }, 900));

  let n = 0;
  const fill = (side: 'buy' | 'sell', price: number, ts: number): Trade => {
    n += 1;
    return {
      trade_id: `${portfolio}-t${n}`,
      order_id: `${portfolio}-o${n}`,
      client_order_id: null,
      strategy: pnlStrategy,
      env: 'paper',
      portfolio,
      asset: 'BTC-USD',
      side,
      quantity: 1,
      price,
      notional: price,
      quote_currency: 'USD',
      fee: 0,
      fee_currency: 'USD',
      liquidity: null,
      venue: 'test',
      cycle_id: null,
      ts,
    };
  };
  const trades = [1, 2, 3, 10].flatMap((gain, day) => [
    fill('buy', 100, D0 + day * DAY + 10 * HOUR),
    fill('sell', 100 + gain, D0 + day * DAY + 12 * HOUR),
  ]);
  trades.push(fill('buy', 100, D0 + 4 * DAY + 10 * HOUR), fill('buy', 100, D0 + 20 * HOUR));
  return { cycleStrategy, pnlStrategy, portfolio, cycles, trades };
}

function cycle(
  strategy: string,
  id: string,
  asOf: number,
  metrics: Record<string, number>,
  latencyMs: number,
): InferenceCycle {
  return {
    cycle_id: id,
    strategy,
    env: 'prod',
    model_version: 'm1',
    weights_version: null,
    weights_updated_at: null,
    as_of: asOf,
    started_at: asOf + 1000,
    finished_at: asOf + 1000 + latencyMs,
    status: 'success',
    error: null,
    horizon_ms: DAY,
    metrics,
    predictions: [],
  };
}

interface Reference {
  readonly metrics: Metric[];
  readonly alerts: Alert[];
  readonly baselineRows: number;
  /** Rows of the `trades` table: one per booked fill. */
  readonly tradeRows: number;
  readonly late: number;
}

/**
 * What an uninterrupted pipeline produces: the baseline processor over the cycles and trades (each
 * in its partition's order), then over its own PnL points (one portfolio per strategy, so in trade
 * order), then the rules over every metric point (in order per series).
 */
async function referenceRun(s: Scenario): Promise<Reference> {
  const baseline = new VirtualRunner<BaselineRecord, BaselineState>(
    createBaselineProcessor(parseBaselineOptions(BASELINE_YAML, 'test.yaml')),
  );
  for (const c of s.cycles) baseline.feed('inference.cycles', c, { key: c.strategy });
  for (const t of s.trades) baseline.feed('trades', t, { key: t.portfolio });
  const pnl = metricsOf(baseline.outputs).filter((m) => m.name === 'strategy_realized_pnl');
  for (const m of pnl) baseline.feed('metrics', m, { key: seriesKey(m.name, m.labels) });

  const metrics = metricsOf(baseline.outputs);
  const rules = new VirtualRunner(createRulesProcessor(await loadRules(DEFAULT_RULES_FILE)));
  for (const m of metrics) rules.feed('metrics', m, { key: seriesKey(m.name, m.labels) });
  return {
    metrics,
    alerts: rules.outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : [])),
    baselineRows: baseline.outputs.filter((o) => o.kind === 'row' && o.row.table === 'baseline').length,
    tradeRows: baseline.outputs.filter((o) => o.kind === 'row' && o.row.table === 'trades').length,
    late: baseline.late.length,
  };
}

const metricsOf = (outputs: readonly Output[]): Metric[] =>
  outputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));

const metricId = (m: Metric) => `${seriesKey(m.name, m.labels)}@${m.ts}=${m.value}`;
const sortedMetrics = (metrics: readonly Metric[]) => metrics.map(metricId).sort();
const sortedAlerts = (alerts: readonly Alert[]) =>
  [...alerts].sort(
    (a, b) => a.fingerprint.localeCompare(b.fingerprint) || a.ts - b.ts || a.status.localeCompare(b.status),
  );

async function produce(prefix: string, s: Scenario): Promise<void> {
  const producer = await testKafka().producer();
  try {
    await producer.send([
      ...s.cycles.map((c) => ({
        topic: physicalName('inference.cycles', prefix),
        key: c.strategy,
        value: registry.codec('InferenceCycle').encode(c),
      })),
      ...s.trades.map((t) => ({
        topic: physicalName('trades', prefix),
        key: t.portfolio,
        value: registry.codec('Trade').encode(t),
      })),
    ]);
  } finally {
    await producer.close();
  }
}

async function baselineFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-baseline-e2e-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'baseline.yaml');
  await writeFile(file, BASELINE_YAML);
  return file;
}

/** Waits until the pipeline's outputs reach the reference's counts, then returns them. */
async function outputsOf(prefix: string, s: Scenario, expected: Reference) {
  const metrics = await waitFor(
    `${expected.metrics.length} metric points`,
    async () => {
      const all = await readTopic(physicalName('metrics', prefix), 'Metric');
      return all.length >= expected.metrics.length ? all : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const alerts = await waitFor(
    `${expected.alerts.length} alerts`,
    async () => {
      const all = await readTopic(physicalName('alerts', prefix), 'Alert');
      return all.length >= expected.alerts.length ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  const late = await waitFor(
    `${expected.late} late records`,
    async () => {
      const all = await readDeadLetters(physicalName('late', prefix));
      return all.length >= expected.late ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  const where = `${e2eTable('baseline')} WHERE strategy IN ('${s.cycleStrategy}', '${s.pnlStrategy}')`;
  await waitFor(
    `${expected.baselineRows} baseline rows`,
    async () => (await questdbCount(where)) >= expected.baselineRows,
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const trades = `${e2eTable('trades')} WHERE portfolio = '${s.portfolio}'`;
  await waitFor(
    `${expected.tradeRows} trades rows`,
    async () => (await questdbCount(trades)) >= expected.tradeRows,
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return { metrics, alerts, late, rows: await questdbCount(where), tradeRows: await questdbCount(trades) };
}

const tag = () => randomBytes(3).toString('hex');

/** The `i`-th of `parts` consecutive slices of `list` (sizes differ by one at most). */
function slice<T>(list: readonly T[], i: number, parts: number): T[] {
  const at = (k: number) => Math.round((k * list.length) / parts);
  return list.slice(at(i), at(i + 1));
}

describe('the baseline processor', { timeout: 120_000 }, () => {
  it('reports deviations, daily PnL and late records, and raises one warning for 3 cycles in a row', async () => {
    const prefix = await pipelinePrefix('baseline');
    const s = scenario(tag());
    const expected = await referenceRun(s);

    // The reference itself, checked by hand: one warning episode for strategy A's mean_score,
    // firing on the third far-off cycle (minute 220) with starts_at at the first (minute 200).
    expect(expected.alerts.map((a) => [a.rule, a.status, a.severity, a.labels, a.starts_at, a.ts])).toEqual([
      [
        'strategy_metric_deviation',
        'firing',
        'warning',
        { metric: 'mean_score', strategy: s.cycleStrategy },
        D0 + 200 * MINUTE,
        D0 + 220 * MINUTE,
      ],
      [
        'strategy_metric_deviation',
        'resolved',
        'warning',
        { metric: 'mean_score', strategy: s.cycleStrategy },
        D0 + 200 * MINUTE,
        D0 + 230 * MINUTE,
      ],
    ]);
    expect(expected.alerts[0]?.summary).toMatch(
      new RegExp(
        `^${s.cycleStrategy} \\(prod\\): mean_score is \\d+\\.\\d standard deviations from its baseline, over 3 for 3 observations in a row$`,
      ),
    );
    expect(expected.late).toBe(2);

    await produce(prefix, s);
    await startPipeline(prefix, ['--processors', 'baseline,rules', '--baseline', await baselineFile()]);
    const got = await outputsOf(prefix, s, expected);

    expect(sortedMetrics(got.metrics)).toEqual(sortedMetrics(expected.metrics));
    expect(sortedAlerts(got.alerts)).toEqual(sortedAlerts(expected.alerts));
    expect(got.rows).toBe(expected.baselineRows);
    expect(got.tradeRows).toBe(expected.tradeRows);

    // Daily realized PnL of strategy B: days 0-3 sum to 1, 2, 3, 10; day 3 is 53/√26 standard deviations
    // off its EWMA baseline (half-life 1 day: mean 17/7, std √26/7) and 15 off its 3-day window (2, 3).
    const pnlPoints = got.metrics.filter((m) => m.name === 'strategy_realized_pnl');
    expect(pnlPoints.map((m) => m.value)).toEqual([0, 1, 0, 2, 0, 3, 0, 10, 0, 0]);
    const rows = await questdbQuery(
      `SELECT ts, value, mean, std, z, window_mean, window_std, window_z, observations FROM ${e2eTable('baseline')} ` +
        `WHERE strategy = '${s.pnlStrategy}' AND metric = 'realized_pnl_1d' ORDER BY ts`,
    );
    expect(rows.map((r) => [r[1], r[8]])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [10, 3],
    ]);
    const [, , mean, std, z, windowMean, windowStd, windowZ] = rows[3] as number[];
    expect(mean).toBeCloseTo(17 / 7, 12);
    expect(std).toBeCloseTo(Math.sqrt(26) / 7, 12);
    expect(z).toBeCloseTo(53 / Math.sqrt(26), 12);
    expect([windowMean, windowStd, windowZ]).toEqual([2.5, 0.5, 15]);
    expect(rows[0]?.[0]).toBe(new Date(D0).toISOString().replace('Z', '000Z'));

    // The late cycle and the late PnL point, each from its input, with the reason.
    expect(
      got.late
        .map((l) => [l.source.topic, l.error.code, l.failedBy])
        .sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ).toEqual([
      [physicalName('inference.cycles', prefix), 'TW_RECORD_LATE', 'baseline'],
      [physicalName('metrics', prefix), 'TW_RECORD_LATE', 'baseline'],
    ]);
    for (const l of got.late) expect(l.error.message).toMatch(/^late: /);
    expect(await readDeadLetters(physicalName('dlq', prefix))).toEqual([]);
  });

  it('ends with exactly the outputs of an uninterrupted run when SIGKILLed at random points', async () => {
    const prefix = await pipelinePrefix('baseline-kill');
    const s = scenario(tag());
    const expected = await referenceRun(s);
    const file = await baselineFile();
    const args = ['--processors', 'baseline,rules', '--baseline', file];

    // The input arrives in 8 chunks (consecutive slices: each partition keeps its order), each with a
    // trade, so each makes the pipeline commit PnL points. A killed run gets 1 or 2 chunks and is
    // SIGKILLed as soon as the last one's first outputs are committed: mid-stream, with windows open,
    // baselines half-way and an alert streak counting. Seeded, so every run does the same.
    const chunks = Array.from({ length: 8 }, (_, i) => ({
      ...s,
      cycles: slice(s.cycles, i, 8),
      trades: slice(s.trades, i, 8),
    }));
    let seed = 20260202;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const admin = await testAdmin();
    const metricsTopic = physicalName('metrics', prefix);
    const progress = async () => (await admin.offsets(metricsTopic)).reduce((n, p) => n + Number(p.high), 0);
    let next = 0;
    for (let kill = 0; kill < 3; kill++) {
      const pipeline = await startPipeline(prefix, args);
      let before = 0;
      for (let n = 1 + Math.floor(random() * 2); n > 0; n--) {
        before = await progress();
        await produce(prefix, chunks[next++]!);
      }
      await waitFor('the chunk’s first outputs', async () => (await progress()) > before, {
        timeoutMs: 30_000,
        intervalMs: 10,
      });
      pipeline.child.kill('SIGKILL');
      await pipeline.exited;
    }
    expect(next).toBeLessThan(chunks.length);
    await startPipeline(prefix, args);
    while (next < chunks.length) await produce(prefix, chunks[next++]!);
    const got = await outputsOf(prefix, s, expected);

    // Read-committed readers see exactly the uninterrupted run's outputs: none lost, none repeated.
    expect(sortedMetrics(got.metrics)).toEqual(sortedMetrics(expected.metrics));
    expect(sortedAlerts(got.alerts)).toEqual(sortedAlerts(expected.alerts));
    expect(got.late).toHaveLength(expected.late);
    expect(got.rows).toBe(expected.baselineRows);
    expect(got.tradeRows).toBe(expected.tradeRows);
  });
});
