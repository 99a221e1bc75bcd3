import { describe, expect, it } from 'vitest';
import {
  SignalIndex,
  computeSlice,
  mergeSlices,
  runBacktest,
  timeSlices,
  type BacktestInputs,
} from '../../backtest/engine/index.ts';
import { H, T0, config, cycle, outcomes, signal, syntheticHistory } from './engine-fixtures.ts';

describe('the engine, by hand', () => {
  // Three rebalances: T0, T0+1h, T0+2h30 (the cycle at T0+30m overlaps, the one at T0+2h failed).
  const inputs: BacktestInputs = {
    cycles: [
      cycle(T0, { A: 3, B: 2, C: 1 }),
      cycle(T0 + H / 2, { A: 9, B: 1, C: 1 }),
      cycle(T0 + H, { A: 1, B: 3, C: 2 }),
      cycle(T0 + 2 * H, { A: 1, B: 9, C: 1 }, 'failure'),
      cycle(T0 + 2.5 * H, { A: 2, C: 1, B: 1 }),
    ],
    outcomes: [
      ...outcomes(T0, { A: 0.02, B: -0.01, C: 0.03 }),
      ...outcomes(T0 + H / 2, { A: 0.5, B: 0.5, C: 0.5 }),
      ...outcomes(T0 + H, { A: 0.01, B: 0.04 }),
      ...outcomes(T0 + 2.5 * H, { A: -0.05, B: -0.03, C: 0 }),
    ],
    signals: [],
  };
  const c = config(
    [
      'factors: [{ name: model_score, weight: 1 }]',
      'selection: { k: 2, weighting: equal }',
      'costs: { fee_bps: 10, slippage_bps: 5 }',
      'initial_equity: 1000',
      'metrics: { ks: [1, 2], relevance: top_k }',
    ].join('\n'),
  );
  const { periods, metrics } = runBacktest(inputs, c);
  const ndcg1of2 = 1 / (1 + 1 / Math.log2(3)); // the hit at position 1 of 2 relevant
  const ndcg2of2 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3)); // the hit at position 2 of 2 relevant
  const r = [0.5 * 0.02 + 0.5 * -0.01 - 0.0015, 0.5 * 0.04 - 0.0015, 0.5 * -0.05 + 0.5 * -0.03 - 0.0015];
  const ics = [-0.5, 1, -1.5 / Math.sqrt(3)];

  it('rebalances, holds the top k and books costs and equity', () => {
    expect(periods.map((p) => p.t)).toEqual([T0, T0 + H, T0 + 2.5 * H]);
    expect(periods.map((p) => p.weights)).toEqual([
      { A: 0.5, B: 0.5 },
      { B: 0.5, C: 0.5 },
      { A: 0.5, B: 0.5 }, // B and C tie for second place: by name
    ]);
    expect(periods.map((p) => p.turnover)).toEqual([1, 1, 1]);
    expect(periods.map((p) => p.cost)).toEqual([0.0015, 0.0015, 0.0015]);
    expect(periods.map((p) => p.unlabeled)).toEqual([0, 1, 0]);
    periods.forEach((p, i) => expect(p.return).toBeCloseTo(r[i]!, 12));
    expect(periods[2]!.equity).toBeCloseTo(1000 * 1.0035 * 1.0185 * 0.9585, 9);
    expect(periods[2]!.drawdown).toBeCloseTo(0.0415, 12);
    expect(periods.map((p) => p.precisionAtK)).toEqual([
      { 1: 0, 2: 0.5 },
      { 1: 1, 2: 0.5 },
      { 1: 0, 2: 0.5 },
    ]);
    expect(periods[0]!.ndcgAtK['2']).toBeCloseTo(ndcg1of2, 12);
    expect(periods[2]!.ndcgAtK['2']).toBeCloseTo(ndcg2of2, 12);
    periods.forEach((p, i) => expect(p.ic).toBeCloseTo(ics[i]!, 12));
  });

  it('summarizes with the pinned metrics', () => {
    const P = 8766;
    const growth = 1.0035 * 1.0185 * 0.9585;
    const mean = -0.0065;
    const sd = Math.sqrt((0.01 ** 2 + 0.025 ** 2 + 0.035 ** 2) / 2);
    const icMean = (ics[0]! + ics[1]! + ics[2]!) / 3;
    const icSd = Math.sqrt(ics.reduce((s, x) => s + (x - icMean) ** 2, 0) / 2);
    const expected = {
      total_return: growth - 1,
      cagr: growth ** (P / 3) - 1,
      volatility: sd * Math.sqrt(P),
      sharpe: (mean / sd) * Math.sqrt(P),
      sortino: (mean * Math.sqrt(P)) / Math.sqrt(0.0415 ** 2 / 3),
      max_drawdown: 0.0415,
      calmar: (growth ** (P / 3) - 1) / 0.0415,
      hit_rate: 2 / 3,
      turnover: 1,
      rank_ic: icMean,
      ic_ir: icMean / icSd,
    };
    for (const [key, value] of Object.entries(expected)) {
      expect(metrics[key as keyof typeof expected], key).toBeCloseTo(value, 9);
    }
    expect(metrics.precision_at_k).toEqual({ 1: 1 / 3, 2: 0.5 });
    expect(metrics.recall_at_k['1']).toBeCloseTo(1 / 3, 12);
    expect(metrics.ndcg_at_k['2']).toBeCloseTo((2 * ndcg1of2 + ndcg2of2) / 3, 12);
    expect(metrics.periods).toBe(3);
    expect(metrics.unlabeled_positions).toBe(1);
  });

  it('gives null for what is undefined', () => {
    const empty = runBacktest({ cycles: [], outcomes: [], signals: [] }, c).metrics;
    expect(empty).toMatchObject({
      total_return: null,
      sharpe: null,
      max_drawdown: null,
      rank_ic: null,
      periods: 0,
    });
    expect(empty.precision_at_k).toEqual({ 1: null, 2: null });
    const one = runBacktest({ ...inputs, cycles: inputs.cycles.slice(0, 1) }, c).metrics;
    expect(one).toMatchObject({ volatility: null, sharpe: null, ic_ir: null, calmar: null, periods: 1 });
  });
});

describe('signals, point in time', () => {
  const signals = [
    signal('C', 10, T0 - H),
    signal('A', 4, T0 - H / 2),
    signal('A', 100, T0 - H / 2, T0 + 10 * 60_000), // revised after T0
    signal('B', 1, T0 - 3 * H), // older than max_age at T0
    signal('D', 7, T0 - 10 * 60_000, T0 + 5 * 60_000), // known after T0
  ];

  it('sees at t only what was known at t', () => {
    const index = new SignalIndex(signals, new Set(['github.commits']));
    expect(index.valueAt('github.commits', 'A', T0, null)).toBe(4);
    expect(index.valueAt('github.commits', 'A', T0 + 10 * 60_000, null)).toBe(100);
    expect(index.valueAt('github.commits', 'D', T0, null)).toBeUndefined();
    expect(index.valueAt('github.commits', 'B', T0, 2 * H)).toBeUndefined();
    expect(index.valueAt('github.commits', 'C', T0 + H, 2 * H)).toBe(10); // exactly max_age old
  });

  it('blends signal and model z-scores over the candidates, weights by score', () => {
    const c = config(
      [
        'universe: [A, B, C, D]',
        'factors: [{ name: model_score, weight: 0.5 }, { name: "signal:github.commits", weight: 1, max_age: 2h }]',
        'selection: { k: 2, weighting: score }',
        'metrics: { ks: [1] }',
      ].join('\n'),
    );
    const { periods } = runBacktest(
      {
        cycles: [cycle(T0, { A: 2, B: 1, E: 5 }), cycle(T0 + H, { A: 1, B: 2 })],
        outcomes: [...outcomes(T0, { C: 0.1 }), ...outcomes(T0 + H, { A: 0.01, B: 0.02 })],
        signals,
      },
      c,
    );
    // T0: candidates A, B (predicted; E is outside the universe) and C (signal); A's signal is 4 (the
    // revision to 100 is not known yet), B's is too old, D's is not known yet. Signal z: A −1, C +1;
    // model z: A +1, B −1. Combined: C 1, A −0.5, B −0.5: top 2 = C, A; only C is positive.
    expect(periods[0]).toMatchObject({ candidates: 3, weights: { C: 1 }, grossReturn: 0.1 });
    // T0+1h: signals A 100 (revised), C 10, D 7; model A 1, B 2.
    const std = Math.sqrt(((100 - 39) ** 2 + (10 - 39) ** 2 + (7 - 39) ** 2) / 3);
    const a = (100 - 39) / std - 0.5;
    const b = 0.5;
    expect(periods[1]!.candidates).toBe(4);
    expect(Object.keys(periods[1]!.weights)).toEqual(['A', 'B']);
    expect(periods[1]!.weights['A']).toBeCloseTo(a / (a + b), 12);
    expect(periods[1]!.grossReturn).toBeCloseTo((a * 0.01 + b * 0.02) / (a + b), 12);
    expect(periods[1]!.turnover).toBeCloseTo(1 + a / (a + b) + b / (a + b), 12);
  });

  it('z-scores: a factor with fewer than 2 values or no spread adds 0', () => {
    const c = config(
      [
        'factors: [{ name: model_score, weight: 1 }, { name: "signal:github.commits", weight: 5 }]',
        'selection: { k: 2 }',
      ].join('\n'),
    );
    // Equal model scores (std 0) and one signal value (fewer than 2): every combined score is 0, and
    // the top 2 are the first two names (D has only the signal: a candidate all the same).
    const { periods } = runBacktest(
      { cycles: [cycle(T0, { C: 4, B: 4, E: 4 })], outcomes: [], signals: [signal('D', 9, T0 - H)] },
      c,
    );
    expect(periods[0]).toMatchObject({ candidates: 4, weights: { B: 0.5, C: 0.5 }, unlabeled: 2 });
  });
});

describe('slicing', () => {
  const inputs = syntheticHistory(24 * 6, 30);
  const extra = [
    'factors: [{ name: model_score, weight: 1 }, { name: "signal:github.commits", weight: 0.4, max_age: 3h }]',
    'selection: { k: 5, weighting: score }',
    'costs: { fee_bps: 10, slippage_bps: 5 }',
    'metrics: { ks: [1, 5, 10] }',
  ];
  const whole = runBacktest(inputs, config(extra.join('\n'), '2025-01-01T00:00:00Z', '2025-01-07T00:00:00Z'));

  it('has something to slice', () => {
    expect(whole.periods.length).toBeGreaterThan(100);
    expect(whole.metrics.rank_ic).not.toBeNull();
  });

  it.each(['1h', '7h', '13h', '1d', '50h'])('slices of %s give exactly the unsliced figures', (every) => {
    const sliced = config(
      [...extra, `slice: { every: ${every} }`].join('\n'),
      '2025-01-01T00:00:00Z',
      '2025-01-07T00:00:00Z',
    );
    expect(runBacktest(inputs, sliced)).toEqual(whole);
  });

  it('slices computed in any order (any number of workers) merge to the same figures', () => {
    const sliced = config(
      [...extra, 'slice: { every: 5h }'].join('\n'),
      '2025-01-01T00:00:00Z',
      '2025-01-07T00:00:00Z',
    );
    const parts = timeSlices(sliced).map((range) => computeSlice(inputs, sliced, range));
    expect(mergeSlices([...parts].reverse(), sliced)).toEqual(whole);
  });
});
