/**
 * The monitoring replay of a whole run: the rankings and outcomes it needs cross worker threads and the
 * pool's JSON slice files, and any slicing gives the same alerts (the artifact's alerts.jsonl).
 */
import { describe, expect, it } from 'vitest';
import { parseBacktestConfig } from '../../backtest/config.ts';
import {
  computeSlice,
  sliceInputs,
  timeSlices,
  type BacktestInputs,
  type HistoryCycle,
  type HistoryOutcome,
  type RebalanceResult,
} from '../../backtest/engine/index.ts';
import type { BacktestManifest } from '../../backtest/result.ts';
import { assembleResult } from '../../backtest/run.ts';
import { runSlices } from '../../backtest/threads.ts';
import { DEFAULT_RULES_FILE } from '../../processors/rules/index.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const H = 3_600_000;
const ASSETS = Array.from({ length: 12 }, (_, j) => `A${String(j).padStart(2, '0')}`);

const config = (slice: string) =>
  parseBacktestConfig(
    [
      'version: 2',
      'id: run',
      'strategy: momentum',
      'env: paper',
      'from: 2025-01-01T00:00:00Z',
      'to: 2025-01-03T00:00:00Z',
      'horizon: 1h',
      'factors: [{ name: model_score, weight: 1 }]',
      'selection: { k: 5 }',
      'metrics: { ks: [1, 5] }',
      `monitoring: { rules: ${DEFAULT_RULES_FILE} }`,
      slice,
    ].join('\n'),
    'run.yaml',
  );

// A ranking upside down (precision@5 0: the 7-day mean is below 20%), and an equity that falls with it.
const cycles: HistoryCycle[] = [];
const outcomes: HistoryOutcome[] = [];
for (let i = 0; i < 48; i++) {
  const asOf = T0 + i * H;
  const returns = ASSETS.map((_, j) => ((j * 7 + i * 3) % 13) / 1000 - 0.004);
  const ranked = ASSETS.map((asset, j) => ({ asset, score: -returns[j]! }))
    .sort((a, b) => b.score - a.score || (a.asset < b.asset ? -1 : 1))
    .map((p, r) => ({ ...p, rank: r + 1 }));
  cycles.push({
    cycleId: `c${i}`,
    asOf,
    horizonMs: H,
    status: 'success',
    ingestedAt: asOf,
    predictions: ranked,
  });
  ASSETS.forEach((asset, j) =>
    outcomes.push({ asset, asOf, horizonMs: H, forwardReturn: returns[j]!, ingestedAt: asOf + H }),
  );
}
const inputs: BacktestInputs = { cycles, outcomes, signals: [] };

const manifest = { id: 'run', version: 'v' } as BacktestManifest;

describe('the monitoring replay of a run', () => {
  it('gives the same alerts unsliced, sliced across threads and through the pool’s JSON files', async () => {
    const whole = config('');
    const unsliced = await assembleResult(
      whole,
      [computeSlice(inputs, whole, [whole.from, whole.to])],
      manifest,
    );
    const ranking = unsliced.alerts.filter((a) => a.rule === 'ranking_precision_at_5_low');
    expect(ranking.map((a) => [a.status, a.labels['strategy']])).toEqual([['firing', 'backtest:run']]);
    expect(ranking[0]!.ts).toBe(T0);

    const sliced = config('slice: { every: 7h }');
    const ranges = timeSlices(sliced);
    expect(ranges.length).toBeGreaterThan(4);
    const threaded = await runSlices(
      ranges.map((r) => sliceInputs(inputs, sliced, r)),
      sliced,
      { threads: 2 },
    );
    const viaThreads = await assembleResult(sliced, threaded, manifest);
    expect(viaThreads.alerts).toEqual(unsliced.alerts);
    const viaJson = JSON.parse(JSON.stringify(threaded)) as RebalanceResult[][];
    expect((await assembleResult(sliced, viaJson, manifest)).alerts).toEqual(unsliced.alerts);
  });
});
