import { describe, expect, it } from 'vitest';
import { IGNORED_KEY, createBaselineProcessor } from '../../../processors/baseline/index.ts';
import type { Metric } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/catalogue.ts';
import { checkRow, prepareTable } from '../../../sinks/questdb/row-check.ts';
import { TABLES } from '../../../sinks/questdb/tables.ts';
import {
  D0,
  DAY,
  HOUR,
  MINUTE,
  baselineHarness,
  cycle,
  cyclesKey,
  feedCycle,
  feedMetric,
  feedTrade,
  metricsOf,
  pnl,
  rowsOf,
  tradeRowsOf,
  trade,
} from './helpers.ts';

const HIT = { strategy: 'momentum', env: 'prod', metric: 'hit_rate' };
const LATENCY = { strategy: 'momentum', env: 'prod', metric: 'latency_ms' };

describe('baseline processor', () => {
  it('is named baseline and reads cycles, trades and metrics', () => {
    const processor = createBaselineProcessor();
    expect(processor.name).toBe('baseline');
    expect(processor.inputs).toEqual([
      { topic: 'inference.cycles', type: 'InferenceCycle' },
      { topic: 'trades', type: 'Trade' },
      { topic: 'metrics', type: 'Metric' },
    ]);
  });

  describe('inference cycles', () => {
    it('reports each snapshot metric and the latency against the baseline before it, z once it has min_observations', () => {
      const h = baselineHarness({ defaults: { minObservations: 3, halfLifeMs: DAY } });
      const first = feedCycle(h, cycle(D0, { hit_rate: 10 }));
      // No baseline yet: rows only, in metric order (hit_rate, latency_ms), no z-score points.
      expect(first.outputs).toEqual([
        {
          kind: 'row',
          row: {
            table: 'baseline',
            ts: D0,
            symbols: HIT,
            columns: {
              value: 10,
              mean: null,
              std: null,
              z: null,
              window_mean: null,
              window_std: null,
              window_z: null,
              observations: 0,
            },
          },
        },
        {
          kind: 'row',
          row: {
            table: 'baseline',
            ts: D0,
            symbols: LATENCY,
            columns: {
              value: 1000,
              mean: null,
              std: null,
              z: null,
              window_mean: null,
              window_std: null,
              window_z: null,
              observations: 0,
            },
          },
        },
      ]);

      feedCycle(h, cycle(D0 + DAY, { hit_rate: 20 }));
      const third = feedCycle(h, cycle(D0 + DAY, { hit_rate: 5 }, { cycle_id: 'c-3' }));
      // Before x = 5: weights 0.5 (10) and 1 (20): mean 50/3, std √(200/9); 2 observations < 3: no z.
      const [hitRow] = rowsOf(third.outputs);
      expect(hitRow?.columns['mean']).toBeCloseTo(50 / 3, 12);
      expect(hitRow?.columns['std']).toBeCloseTo(Math.sqrt(200 / 9), 12);
      expect(hitRow?.columns['z']).toBeNull();
      expect(hitRow?.columns['observations']).toBe(2);
      expect(metricsOf(third.outputs)).toEqual([]);

      const fourth = feedCycle(h, cycle(D0 + 2 * DAY, { hit_rate: 40 }));
      // Baseline before x = 40: mean 12, variance 46 (see ewma.test.ts); z = (40 − 12) / √46 = 4.128...
      const z = (40 - 12) / Math.sqrt(46);
      const metrics = metricsOf(fourth.outputs);
      expect(metrics.map((m) => [m.name, m.labels, m.ts])).toEqual([
        ['baseline_zscore', HIT, D0 + 2 * DAY],
        ['baseline_zscore_abs', HIT, D0 + 2 * DAY],
      ]);
      expect(metrics[0]?.value).toBeCloseTo(z, 12);
      expect(metrics[1]?.value).toBeCloseTo(z, 12);
      const [hit, latency] = rowsOf(fourth.outputs);
      expect(hit?.columns).toMatchObject({ value: 40, observations: 3 });
      expect(hit?.columns['z']).toBeCloseTo(z, 12);
      // The latency never varied (std 0): no scale to measure a deviation by, so no z and no points.
      expect(latency?.columns).toEqual({
        value: 1000,
        mean: 1000,
        std: 0,
        z: null,
        window_mean: null,
        window_std: null,
        window_z: null,
        observations: 3,
      });
      // Every row fits the table declared in sinks/questdb/tables.ts.
      const tables = new Map(TABLES.map((t) => [t.name, prepareTable(t)]));
      expect(rowsOf(h.outputs).flatMap((row, i) => checkRow(row, i, tables))).toEqual([]);
    });

    it('floors the std at min_std, per metric', () => {
      const h = baselineHarness({
        defaults: { minObservations: 3 },
        overrides: [{ metric: 'latency_ms', minStd: 100 }],
      });
      for (let i = 0; i < 3; i++) feedCycle(h, cycle(D0 + i * HOUR, {}));
      const fed = feedCycle(h, cycle(D0 + 3 * HOUR, {}, { latencyMs: 2000 }));
      // (2000 − 1000) / max(0, 100) = 10
      expect(metricsOf(fed.outputs).map((m) => [m.name, m.labels['metric'], m.value])).toEqual([
        ['baseline_zscore', 'latency_ms', 10],
        ['baseline_zscore_abs', 'latency_ms', 10],
      ]);
    });

    it('takes the snapshot’s own latency_ms over finished_at − started_at', () => {
      const h = baselineHarness();
      const fed = feedCycle(h, cycle(D0, { latency_ms: 41_500 }, { latencyMs: 3 }));
      expect(rowsOf(fed.outputs).map((r) => [r.symbols['metric'], r.columns['value']])).toEqual([
        ['latency_ms', 41_500],
      ]);
    });

    it('folds in a cycle within the grace period and sends a later one to `late`, state unchanged', () => {
      const h = baselineHarness({ defaults: { minObservations: 1, halfLifeMs: DAY } });
      feedCycle(h, cycle(D0, { hit_rate: 1 }));
      feedCycle(h, cycle(D0 + HOUR, { hit_rate: 3 }));
      const before = h.state('inference.cycles', cyclesKey('momentum'));

      const late = feedCycle(h, cycle(D0 + HOUR - 11 * MINUTE, { hit_rate: 100 }, { cycle_id: 'late-1' }));
      expect(late.outputs).toEqual([]);
      expect(late.rejected).toMatch(
        /^late: inference cycle late-1 \(strategy momentum, env prod\) at as_of \d+ \(2026-01-05T00:49:00.000Z\): hit_rate is 660000 ms older than its newest observation \(2026-01-05T01:00:00.000Z\), beyond the grace period of 10m; latency_ms is 660000 ms older .*; not folded in$/,
      );
      expect(h.late.map((l) => l.topic)).toEqual(['inference.cycles']);
      expect(h.deadLetters).toEqual([]);
      expect(h.state('inference.cycles', cyclesKey('momentum'))).toEqual(before);

      // 5 minutes behind the newest: within the 10-minute grace, folded in with weight 2^(−5 min / 1 d).
      const inGrace = feedCycle(h, cycle(D0 + HOUR - 5 * MINUTE, { hit_rate: 2 }, { cycle_id: 'in-grace' }));
      expect(inGrace.rejected).toBeNull();
      expect(rowsOf(inGrace.outputs)).toHaveLength(2);
      const ewma = h.state('inference.cycles', cyclesKey('momentum'));
      const hit = ewma?.kind === 'cycles' ? ewma.series.find(([m]) => m === 'hit_rate')?.[1] : undefined;
      // Weights at 01:00: 2^(−1/24) for 1, 1 for 3, 2^(−5/1440) for 2; the newest time stays 01:00.
      const w = [Math.pow(2, -1 / 24), 1, Math.pow(2, -5 / 1440)];
      expect(hit?.ewma.ts).toBe(D0 + HOUR);
      expect(hit?.ewma.weight).toBeCloseTo(w[0]! + w[1]! + w[2]!, 12);
      expect(hit?.ewma.mean).toBeCloseTo((w[0]! * 1 + w[1]! * 3 + w[2]! * 2) / (w[0]! + w[1]! + w[2]!), 12);
      expect(hit?.count).toBe(3);
    });

    it('folds in the metrics of a cycle that are within their grace and routes it to `late` for the others', () => {
      const h = baselineHarness({ overrides: [{ metric: 'hit_rate', graceMs: 0 }] });
      feedCycle(h, cycle(D0 + HOUR, { hit_rate: 3 }));
      const fed = feedCycle(h, cycle(D0 + HOUR - 5 * MINUTE, { hit_rate: 2 }, { cycle_id: 'partly' }));
      expect(fed.rejected).toBeNull();
      expect(fed.late).toEqual([
        expect.stringMatching(
          /^late: inference cycle partly .*: hit_rate is 300000 ms older than its newest observation .*, beyond the grace period of 0ms; those were not folded in, its other metrics \(latency_ms\) were$/,
        ),
      ]);
      expect(rowsOf(fed.outputs).map((r) => r.symbols['metric'])).toEqual(['latency_ms']);
    });

    it('ignores failed cycles (the freshness processor’s business) in one shared state, without rejecting them', () => {
      const h = baselineHarness();
      const failed = cycle(D0, {}, { status: 'failure', error: 'timeout', finished_at: D0 - 1 });
      const fed = feedCycle(h, failed);
      expect(fed).toEqual({ outputs: [], rejected: null, late: [] });
      expect(h.processor.key(failed, { ...source('inference.cycles'), key: 'momentum' })).toBe(IGNORED_KEY);
      expect(h.state('inference.cycles', IGNORED_KEY)).toEqual({ kind: 'ignored' });
      expect(h.state('inference.cycles', cyclesKey('momentum'))).toBeUndefined();
    });

    it('skips snapshot values that are not finite and rejects a cycle that ends before it starts', () => {
      const h = baselineHarness();
      const fed = feedCycle(h, cycle(D0, { nan_metric: Number.NaN, inf: Infinity, ok: 0.5 }));
      expect(rowsOf(fed.outputs).map((r) => r.symbols['metric'])).toEqual(['latency_ms', 'ok']);

      const bad = feedCycle(
        h,
        cycle(D0 + HOUR, { ok: 1 }, { started_at: D0 + 2000, finished_at: D0 + 1000 }),
      );
      expect(bad.rejected).toBe(
        `invalid inference cycle c-${D0 + HOUR} (strategy momentum, env prod): finished_at (${D0 + 1000}) must not be before started_at (${D0 + 2000}): the latency would be negative`,
      );
      expect(h.deadLetters).toHaveLength(1);
    });

    it('keeps environments and strategies apart', () => {
      const h = baselineHarness();
      feedCycle(h, cycle(D0, { hit_rate: 1 }));
      feedCycle(h, cycle(D0, { hit_rate: 2 }, { env: 'paper' }));
      feedCycle(h, cycle(D0, { hit_rate: 3 }, { strategy: 'meanrev' }));
      expect(
        rowsOf(h.outputs)
          .filter((r) => r.symbols['metric'] === 'hit_rate')
          .map((r) => r.symbols),
      ).toEqual([HIT, { ...HIT, env: 'paper' }, { ...HIT, strategy: 'meanrev' }]);
      expect(h.state('inference.cycles', cyclesKey('momentum', 'paper'))?.kind).toBe('cycles');
    });
  });

  describe('trades', () => {
    it('emits each fill’s realized PnL as strategy_realized_pnl{strategy, env} at its ts', () => {
      const h = baselineHarness();
      const fills = [
        trade('buy', 2, 100, D0 + HOUR, { fee: 1 }), // opens: −fee = −1
        trade('buy', 2, 110, D0 + 2 * HOUR), // cost (200 + 220) / 4 = 105: 0
        trade('sell', 1, 120, D0 + 3 * HOUR, { fee: 0.5 }), // (120 − 105)·1 − 0.5 = 14.5
        trade('sell', 5, 100, D0 + 4 * HOUR), // closes 3: (100 − 105)·3 = −15; opens 2 short at 100
        trade('buy', 2, 90, D0 + 5 * HOUR, { fee: 0.25, fee_currency: 'BNB' }), // (90 − 100)·2·(−1) = 20
      ];
      for (const f of fills) feedTrade(h, f);
      expect(metricsOf(h.outputs)).toEqual(
        [-1, 0, 14.5, -15, 20].map((value, i) => ({
          name: 'strategy_realized_pnl',
          labels: { strategy: 'momentum', env: 'prod' },
          value,
          ts: D0 + (i + 1) * HOUR,
        })),
      );
      expect(h.state('trades', JSON.stringify(['alpha', 'prod', 'BTC-USD']))).toMatchObject({
        kind: 'position',
        position: { quantity: 0, averageCost: 0, currency: null },
      });
      expect(rowsOf(h.outputs)).toEqual([]);
      // Each booked fill is a `trades` row, for the scheduler's PnL reconciliation.
      expect(tradeRowsOf(h.outputs)).toEqual(
        fills.map((f) => ({
          table: 'trades',
          ts: f.ts,
          symbols: {
            portfolio: 'alpha',
            env: 'prod',
            trade_id: f.trade_id,
            strategy: 'momentum',
            asset: 'BTC-USD',
            side: f.side,
            quote_currency: 'USD',
            fee_currency: f.fee_currency,
          },
          columns: { quantity: f.quantity, price: f.price, notional: f.notional, fee: f.fee },
        })),
      );
    });

    it('keeps one position per portfolio, env and asset', () => {
      const h = baselineHarness();
      feedTrade(h, trade('buy', 1, 100, D0));
      feedTrade(h, trade('sell', 1, 50, D0 + 1, { asset: 'ETH-USD' })); // opens a short: 0
      feedTrade(h, trade('sell', 1, 50, D0 + 2, { env: 'paper' })); // opens a short: 0
      feedTrade(h, trade('sell', 1, 110, D0 + 3)); // closes the BTC long: +10
      expect(metricsOf(h.outputs).map((m) => [m.labels['env'], m.value])).toEqual([
        ['prod', 0],
        ['prod', 0],
        ['paper', 0],
        ['prod', 10],
      ]);
    });

    it('rejects a fill published twice, one in another currency than its open position, and invalid ones', () => {
      const h = baselineHarness();
      const fill = trade('buy', 1, 100, D0);
      feedTrade(h, fill);
      const before = h.state('trades', JSON.stringify(['alpha', 'prod', 'BTC-USD']));
      expect(feedTrade(h, fill).rejected).toMatch(
        new RegExp(
          `^duplicate trade ${fill.trade_id} \\(portfolio alpha, env prod, asset BTC-USD\\): .*booked once`,
        ),
      );
      expect(feedTrade(h, trade('sell', 1, 90, D0 + 1, { quote_currency: 'EUR' })).rejected).toMatch(
        /quote_currency EUR differs from the open position's \(USD, quantity 1\)/,
      );
      expect(feedTrade(h, trade('sell', 0, 90, D0 + 2, { price: Number.NaN })).rejected).toMatch(
        /^invalid trade t-\d+ .*: quantity must be a finite number > 0 \(the side gives the direction\), got 0; price must be a finite number > 0, got NaN$/,
      );
      expect(h.deadLetters).toHaveLength(3);
      expect(h.state('trades', JSON.stringify(['alpha', 'prod', 'BTC-USD']))).toEqual(before);
      expect(metricsOf(h.outputs)).toHaveLength(1);
    });
  });

  describe('summed metrics (daily realized PnL)', () => {
    it('sums a UTC day, observes it once the day closed (end + grace), and sends later points to `late`', () => {
      const h = baselineHarness();
      for (const p of [pnl(5, D0 + HOUR), pnl(-2, D0 + 10 * HOUR)]) feedMetric(h, p);
      // The next day, within the one-hour grace: day 0 stays open, so a point for it still counts.
      feedMetric(h, pnl(7, D0 + DAY + 30 * MINUTE));
      feedMetric(h, pnl(1, D0 + 23 * HOUR));
      expect(h.outputs).toEqual([]);
      // 01:00 the next day: day 0 closes with 5 − 2 + 1 = 4, one observation at the day's start.
      const closing = feedMetric(h, pnl(0, D0 + DAY + HOUR));
      expect(closing.outputs).toEqual([
        {
          kind: 'row',
          row: {
            table: 'baseline',
            ts: D0,
            symbols: { strategy: 'momentum', env: 'prod', metric: 'realized_pnl_1d' },
            columns: {
              value: 4,
              mean: null,
              std: null,
              z: null,
              window_mean: null,
              window_std: null,
              window_z: null,
              observations: 0,
            },
          },
        },
      ]);
      const late = feedMetric(h, pnl(100, D0 + 20 * HOUR));
      expect(late.rejected).toMatch(
        /^late: point of strategy_realized_pnl\{env=prod,strategy=momentum\} at ts \d+: event time 2026-01-05T20:00:00.000Z falls in window \[2026-01-05T00:00:00.000Z, 2026-01-06T00:00:00.000Z\), which closed at 2026-01-06T01:00:00.000Z .*; not summed$/,
      );
      expect(h.late).toHaveLength(1);
      expect(h.deadLetters).toEqual([]);
    });

    it('reports the EWMA and trailing-window z-scores of daily sums, computed by hand', () => {
      const h = baselineHarness({
        overrides: [
          {
            metric: 'realized_pnl_1d',
            minObservations: 2,
            halfLifeMs: DAY,
            windowMs: 3 * DAY,
            windowBucketMs: DAY,
          },
        ],
      });
      // Day k's sum is its noon value; the point at 01:00 the next day (value 0) closes day k.
      const days = [1, 2, 3, 10];
      days.forEach((value, k) => {
        feedMetric(h, pnl(value, D0 + k * DAY + 12 * HOUR));
        feedMetric(h, pnl(0, D0 + (k + 1) * DAY + HOUR));
      });
      const rows = rowsOf(h.outputs);
      expect(rows.map((r) => [r.ts, r.columns['value'], r.columns['observations']])).toEqual(
        days.map((v, k) => [D0 + k * DAY, v, k]),
      );
      // Day 2 (x = 3): EWMA before it: weights 0.5 (1), 1 (2): mean 5/3, var (0.5·(4/9) + 1/9) / 1.5 = 2/9;
      // z = (3 − 5/3) / (√2 / 3) = 2√2. Window (3 days) before it: 1, 2: mean 1.5, std 0.5; z = 3.
      expect(rows[2]?.columns['z']).toBeCloseTo(2 * Math.SQRT2, 12);
      expect(rows[2]?.columns['window_z']).toBeCloseTo(3, 12);
      // Day 3 (x = 10): weights 0.25, 0.5, 1: mean (0.25 + 1 + 3) / 1.75 = 17/7;
      // var = (0.25·(10/7)² + 0.5·(3/7)² + (4/7)²) / 1.75 = 26/49; z = (10 − 17/7) / (√26 / 7) = 53/√26.
      // Window before it: day 0 left it (starts after day 3 − 3 days are kept): 2, 3 → mean 2.5, std 0.5;
      // window z = (10 − 2.5) / 0.5 = 15.
      expect(rows[3]?.columns['mean']).toBeCloseTo(17 / 7, 12);
      expect(rows[3]?.columns['std']).toBeCloseTo(Math.sqrt(26) / 7, 12);
      expect(rows[3]?.columns['z']).toBeCloseTo(53 / Math.sqrt(26), 12);
      expect(rows[3]?.columns).toMatchObject({ window_mean: 2.5, window_std: 0.5, window_z: 15 });
      const last = metricsOf(h.outputs).filter((m) => m.ts === D0 + 3 * DAY);
      expect(last.map((m) => [m.name, m.labels])).toEqual([
        ['baseline_zscore', { strategy: 'momentum', env: 'prod', metric: 'realized_pnl_1d' }],
        ['baseline_zscore_abs', { strategy: 'momentum', env: 'prod', metric: 'realized_pnl_1d' }],
        ['baseline_zscore_window', { strategy: 'momentum', env: 'prod', metric: 'realized_pnl_1d' }],
      ]);
      expect(last[2]?.value).toBe(15);
    });

    it('ignores every other metric in one shared state per partition', () => {
      const h = baselineHarness();
      const others: Metric[] = [
        { name: 'drawdown_1h', labels: { portfolio: 'alpha', env: 'prod' }, value: 0.1, ts: D0 },
        {
          name: 'baseline_zscore',
          labels: { strategy: 'momentum', env: 'prod', metric: 'x' },
          value: 9,
          ts: D0,
        },
      ];
      for (const m of others) expect(feedMetric(h, m)).toEqual({ outputs: [], rejected: null, late: [] });
      expect(h.state('metrics', IGNORED_KEY)).toEqual({ kind: 'ignored' });
      expect(h.state('metrics', seriesKey(others[0]!.name, others[0]!.labels))).toBeUndefined();
    });

    it('rejects a summed point without exactly the strategy and env labels, or with a non-finite value', () => {
      const h = baselineHarness();
      expect(feedMetric(h, pnl(1, D0, { portfolio: 'alpha' })).rejected).toMatch(
        /^invalid metric point strategy_realized_pnl\{env=prod,portfolio=alpha,strategy=momentum\} at ts \d+: labels must be exactly strategy and env .*, got env, portfolio, strategy$/,
      );
      expect(feedMetric(h, pnl(Number.NaN, D0, { env: 'live' })).rejected).toMatch(
        /the env label must be one of prod, staging, paper, got "live"; value must be a finite number, got NaN$/,
      );
    });

    it('sums the PnL the trades input emits, end to end in memory', () => {
      const h = baselineHarness({ overrides: [{ metric: 'realized_pnl_1d', minObservations: 1 }] });
      const fills = [
        trade('buy', 1, 100, D0 + HOUR),
        trade('sell', 1, 104, D0 + 2 * HOUR), // +4
        trade('buy', 1, 100, D0 + DAY + HOUR), // 0, closes day 0 (sum 4)
        trade('sell', 1, 90, D0 + DAY + 2 * HOUR), // −10
        trade('buy', 1, 100, D0 + 2 * DAY + HOUR), // 0, closes day 1 (sum −10)
      ];
      for (const f of fills) {
        for (const m of metricsOf(feedTrade(h, f).outputs)) feedMetric(h, m);
      }
      const rows = rowsOf(h.outputs);
      expect(rows.map((r) => [r.ts, r.columns['value'], r.columns['mean'], r.columns['z']])).toEqual([
        [D0, 4, null, null],
        // One observation (4) with std 0: no z-score.
        [D0 + DAY, -10, 4, null],
      ]);
    });
  });

  it('gives the same outputs when its state goes through JSON between every record (as the harness does)', () => {
    // The harness round-trips every state through JSON; a second run over the same records must agree.
    const run = () => {
      const h = baselineHarness({ defaults: { minObservations: 2, windowMs: 2 * HOUR } });
      for (let i = 0; i < 30; i++) {
        feedCycle(
          h,
          cycle(
            D0 + i * 10 * MINUTE,
            { hit_rate: (i * 7) % 5, score: i / 3 },
            { latencyMs: 900 + ((i * 13) % 7) },
          ),
        );
        feedTrade(h, trade(i % 3 === 0 ? 'sell' : 'buy', 1 + (i % 2), 100 + i, D0 + i * HOUR));
      }
      // Trade ids differ between the two runs (the helper numbers them): compare all but those rows.
      return h.outputs.filter((o) => !(o.kind === 'row' && o.row.table === 'trades'));
    };
    const outputs = run();
    expect(metricsOf(outputs).some((m) => m.name === 'baseline_zscore_window')).toBe(true);
    expect(run()).toEqual(outputs);
  });
});

function source(topic: string) {
  return { topic, type: 'InferenceCycle' as const, partition: 0, offset: '0', key: null, timestamp: 0 };
}
