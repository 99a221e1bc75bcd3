/**
 * The monitoring replay's ranking and baseline parts: the combined rankings and their outcomes through
 * the live ranking processors (the same precision@K as the engine's and as the processors fed directly),
 * the shipped precision@5 rule firing on a bad ranking, and the baseline over the period PnL.
 */
import { describe, expect, it } from 'vitest';
import { parseBacktestConfig, type BacktestConfig } from '../../backtest/config.ts';
import {
  computeSlice,
  mergeSlices,
  timeSlices,
  type BacktestInputs,
  type HistoryCycle,
  type HistoryOutcome,
  type RebalanceResult,
} from '../../backtest/engine/index.ts';
import { replay } from '../../backtest/replay.ts';
import { ManualClock } from '../../core/clock.ts';
import {
  compileRankingOptions,
  createRankingProcessor,
  createRankingRepartitionProcessor,
  createRankingRollingProcessor,
} from '../../processors/ranking/index.ts';
import { DEFAULT_RULES_FILE, loadRules } from '../../processors/rules/index.ts';
import { VirtualRunner } from '../../runtime/processor/index.ts';
import type { InferenceCycle, Metric } from '../../schemas/index.ts';
import { partitionOfKey, partitionsOf } from '../../topics/partition-of.ts';

const rules = await loadRules(DEFAULT_RULES_FILE);
const T0 = Date.parse('2025-01-01T00:00:00Z');
const H = 3_600_000;
const DAY = 24 * H;
const ASSETS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ'];

function btConfig(horizon: string, to: string, extra: string[]): BacktestConfig {
  const text = [
    'version: 2',
    'id: test',
    'strategy: momentum',
    'env: prod',
    'from: 2025-01-01T00:00:00Z',
    `to: ${to}`,
    `horizon: ${horizon}`,
    'factors: [{ name: model_score, weight: 1 }]',
    `monitoring: { rules: ${DEFAULT_RULES_FILE} }`,
    ...extra,
  ].join('\n');
  return parseBacktestConfig(text, 'test.yaml');
}

/** A deterministic pseudo-random sequence in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** `n` rebalances every `step`; score(asset, return) gives the model's score of an asset. */
function history(n: number, step: number, score: (r: number, rand: number) => number): BacktestInputs {
  const rand = lcg(42);
  const cycles: HistoryCycle[] = [];
  const outcomes: HistoryOutcome[] = [];
  for (let i = 0; i < n; i++) {
    const asOf = T0 + i * step;
    const returns = ASSETS.map(() => Math.round((rand() - 0.5) * 2000) / 100_000);
    const scored = ASSETS.map((asset, j) => ({ asset, score: score(returns[j]!, rand()) }))
      // A universe asset the model did not score (it still has an outcome) now and then.
      .filter((_, j) => j !== i % 13)
      .sort((a, b) => b.score - a.score || (a.asset < b.asset ? -1 : 1));
    cycles.push({
      cycleId: `c-${i}`,
      asOf,
      horizonMs: step,
      status: 'success',
      ingestedAt: asOf + 1000,
      predictions: scored.map((p, r) => ({ ...p, rank: r + 1 })),
    });
    ASSETS.forEach((asset, j) =>
      outcomes.push({ asset, asOf, horizonMs: step, forwardReturn: returns[j]!, ingestedAt: asOf + step }),
    );
  }
  return { cycles, outcomes, signals: [] };
}

function run(inputs: BacktestInputs, config: BacktestConfig) {
  const rebalances: RebalanceResult[] = timeSlices(config).flatMap((range) =>
    computeSlice(inputs, config, range),
  );
  const { periods } = mergeSlices([rebalances], config);
  return { rebalances, periods };
}

/** [name, k, ts, value] of the points named `names`, in a stable order. */
const series = (metrics: readonly Metric[], names: readonly string[]) =>
  metrics
    .filter((m) => names.includes(m.name) && m.labels['strategy'] === 'backtest:test')
    .map((m) => [m.name, m.labels['k'] ?? '', m.ts, m.value] as const)
    .sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : a[0] + a[1] > b[0] + b[1] ? 1 : a[2] - b[2]));

describe('the monitoring replay of the ranking processors', () => {
  // 60 hourly rebalances, a model that knows a little about the returns.
  const config = btConfig('1h', '2025-01-03T12:00:00Z', [
    'selection: { k: 3 }',
    'metrics: { ks: [1, 3, 5] }',
  ]);
  const inputs = history(60, H, (r, noise) => r * 50 + noise);
  const { rebalances, periods } = run(inputs, config);

  it('gives the engine its precision@K per rebalance', () => {
    const { metrics } = replay(rules, config, periods, rebalances, { keepMetrics: true });
    const replayed = series(metrics, ['precision_at_k']);
    const engine = config.ks.flatMap((k) =>
      periods.map((p) => ['precision_at_k', String(k), p.t, p.precisionAtK[k]] as const),
    );
    expect(engine.every(([, , , v]) => v !== null)).toBe(true);
    expect(replayed).toEqual(
      series(
        engine.map(([name, k, ts, value]) => ({
          name,
          labels: { strategy: 'backtest:test', k },
          ts,
          value: value!,
        })),
        ['precision_at_k'],
      ),
    );
    // Not a constant: the series can tell a wrong ranking.
    expect(new Set(replayed.map((p) => p[3])).size).toBeGreaterThan(2);
    // Every cycle scored once, at its deadline, with recall and nDCG as the engine has them.
    const recall = series(metrics, ['recall_at_k']).filter(([, k]) => k === '5');
    expect(recall.map(([, , ts, v]) => [ts, v])).toEqual(periods.map((p) => [p.t, p.recallAtK['5']]));
  });

  it('gives what the ranking processors fed directly give, rolling means included', () => {
    const { metrics } = replay(rules, config, periods, rebalances, { keepMetrics: true });
    // The same cycles (the model's own scores: the combined score is their z-score, the same order),
    // pushed at as_of, their outcomes at as_of + horizon on the partitions of their keys (as a producer
    // publishes them), on a runner of the three processors alone.
    const options = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
    const runner = new VirtualRunner(
      [
        createRankingRepartitionProcessor(options),
        createRankingProcessor(options),
        createRankingRollingProcessor(options),
      ],
      { clock: new ManualClock(T0) },
    );
    for (const c of inputs.cycles) {
      runner.advanceTo(c.asOf);
      const cycle: InferenceCycle = {
        cycle_id: `backtest:test:${c.asOf}`,
        strategy: 'backtest:test',
        env: 'prod',
        model_version: 'm',
        weights_version: null,
        weights_updated_at: null,
        as_of: c.asOf,
        started_at: c.asOf,
        finished_at: c.asOf,
        status: 'success',
        error: null,
        horizon_ms: H,
        metrics: {},
        predictions: c.predictions.map((p) => ({ ...p })),
      };
      runner.push('inference.cycles', cycle, { key: cycle.strategy });
      runner.advanceTo(c.asOf + H);
      for (const o of inputs.outcomes.filter((x) => x.asOf === c.asOf))
        runner.push(
          'outcomes',
          { asset: o.asset, as_of: o.asOf, horizon_ms: H, forward_return: o.forwardReturn },
          { key: o.asset, partition: partitionOfKey(o.asset, partitionsOf('outcomes')) },
        );
    }
    runner.advanceTo(inputs.cycles.at(-1)!.asOf + H + options.deadlineMs!);
    const names = ['precision_at_k', 'ndcg_at_k', 'precision_at_k_7d', 'precision_at_k_30d'];
    const direct = series(runner.metrics(), names);
    expect(direct.length).toBe(60 * 3 * 4);
    expect(series(metrics, names)).toEqual(direct);
  });

  it('fires the shipped precision@5 rule on a bad ranking, and not on a good one', () => {
    const ks = ['selection: { k: 5 }', 'metrics: { ks: [5] }'];
    const bad = btConfig('1h', '2025-01-02T06:00:00Z', ks);
    // The model ranks the worst returns first: none of its top 5 is among the best 5.
    const worst = run(
      history(30, H, (r) => -r),
      bad,
    );
    const alerts = replay(rules, bad, worst.periods, worst.rebalances).alerts.filter(
      (a) => a.rule === 'ranking_precision_at_5_low',
    );
    // It fires at the first rebalance whose 7-day mean of the engine's precision@5 is below 20%.
    let sum = 0;
    const firstLow = worst.periods.find((p, i) => (sum += p.precisionAtK['5']!) / (i + 1) < 0.2)!;
    expect(firstLow).toBeDefined();
    expect(alerts.map((a) => [a.status, a.ts, a.labels['strategy'], a.labels['k']])).toEqual([
      ['firing', firstLow.t, 'backtest:test', '5'],
    ]);
    expect(alerts[0]!.summary).toEqual(
      expect.stringMatching(/^backtest:test \(prod\): 7-day precision@5 is 1\d\.\d\d% \(floor 20\.00%\)$/),
    );
    const best = run(
      history(30, H, (r) => r),
      bad,
    );
    expect(best.periods.every((p) => p.precisionAtK['5']! >= 0.8)).toBe(true);
    expect(
      replay(rules, bad, best.periods, best.rebalances).alerts.filter(
        (a) => a.rule === 'ranking_precision_at_5_low',
      ),
    ).toEqual([]);
  });
});

describe('the monitoring replay of the baseline', () => {
  it('takes each period PnL as the live strategy_realized_pnl and scores the daily sums', () => {
    // 40 daily rebalances of one asset: small returns, then a crash on day 35.
    const config = btConfig('1d', '2025-02-10T00:00:00Z', ['selection: { k: 1 }', 'initial_equity: 1000']);
    const rand = lcg(7);
    const returns = Array.from({ length: 40 }, (_, i) => (i === 35 ? -0.3 : (rand() - 0.5) / 50));
    const inputs: BacktestInputs = {
      cycles: returns.map((_, i) => ({
        cycleId: `c-${i}`,
        asOf: T0 + i * DAY,
        horizonMs: DAY,
        status: 'success' as const,
        ingestedAt: T0 + i * DAY,
        predictions: [{ asset: 'AAA', score: 1, rank: 1 }],
      })),
      outcomes: returns.map((r, i) => ({
        asset: 'AAA',
        asOf: T0 + i * DAY,
        horizonMs: DAY,
        forwardReturn: r,
        ingestedAt: T0 + (i + 1) * DAY,
      })),
      signals: [],
    };
    const { rebalances, periods } = run(inputs, config);
    const { metrics, alerts } = replay(rules, config, periods, rebalances, { keepMetrics: true });
    const z = metrics.filter((m) => m.name === 'baseline_zscore' && m.labels['metric'] === 'realized_pnl_1d');
    // A day's window [d, d + 1d) holds the PnL of the period ending at d; it closes once a PnL at
    // ≥ d + 1d + 1h arrives (the next-but-one): 38 daily observations, a z from the 21st on.
    expect(z.length).toBe(38 - 20);
    expect(z.every((m) => m.labels['strategy'] === 'backtest:test' && m.labels['env'] === 'prod')).toBe(true);
    // The crash (the period from day 35, its PnL at day 36) stands out.
    const crash = z.find((m) => m.ts === T0 + 36 * DAY)!;
    expect(crash.value).toBeLessThan(-3);
    expect(z.filter((m) => Math.abs(m.value) > 3).map((m) => m.ts)).toEqual([T0 + 36 * DAY]);
    // One deviation is not three in a row: the shipped rule stays quiet.
    expect(alerts.filter((a) => a.rule === 'strategy_metric_deviation')).toEqual([]);
  });
});
