import { describe, expect, it } from 'vitest';
import {
  compileRankingOptions,
  createRankingRollingProcessor,
  type RollingState,
} from '../../../processors/ranking/index.ts';
import type { Metric } from '../../../schemas/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { DAY, T0, metricsOf, rowsOf } from './fixtures.ts';

const TOPIC = 'ranking.scores';

function rolling() {
  const h = new VirtualRunner<Metric, RollingState>(createRankingRollingProcessor(compileRankingOptions()));
  return {
    h,
    feed: (m: Metric) => h.feed(TOPIC, m, { key: `${m.labels['strategy']}|${m.labels['env']}` }),
    state: () => h.state(TOPIC, 'momentum|prod'),
  };
}

const score = (name: string, cycleId: string, ts: number, value: number, k: string | null = '5'): Metric => ({
  name,
  labels: { strategy: 'momentum', env: 'prod', ...(k === null ? {} : { k }), cycle_id: cycleId },
  value,
  ts,
});
const p5 = (cycleId: string, day: number, value: number) =>
  score('precision_at_k', cycleId, T0 + day * DAY, value);

/** [name, value, ts] of the emitted points. */
const points = (outputs: Parameters<typeof metricsOf>[0]) =>
  metricsOf(outputs).map((m) => [m.name, m.value, (m.ts - T0) / DAY]);

describe('ranking-rolling', () => {
  it('emits the trailing 7- and 30-day means by event time, per strategy, env and K', () => {
    const r = rolling();
    // Day 0: only itself.
    expect(points(r.feed(p5('c0', 0, 0.2)).outputs)).toEqual([
      ['precision_at_k_7d', 0.2, 0],
      ['precision_at_k_30d', 0.2, 0],
    ]);
    // Day 3: (0.2 + 0.4) / 2 = 0.3 in both windows.
    const day3 = points(r.feed(p5('c3', 3, 0.4)).outputs);
    expect(day3.map(([, v]) => v)).toEqual([expect.closeTo(0.3, 12), expect.closeTo(0.3, 12)]);
    // Day 8: the 7-day window (day 1, day 8] holds days 3 and 8: (0.4 + 0.6) / 2 = 0.5;
    // the 30-day window holds all three: (0.2 + 0.4 + 0.6) / 3 = 0.4.
    const { outputs } = r.feed(p5('c8', 8, 0.6));
    expect(points(outputs)).toEqual([
      ['precision_at_k_7d', expect.closeTo(0.5, 12), 8],
      ['precision_at_k_30d', expect.closeTo(0.4, 12), 8],
    ]);
    expect(metricsOf(outputs)[0]!.labels).toEqual({ strategy: 'momentum', env: 'prod', k: '5' });
    expect(rowsOf(outputs)).toEqual([
      {
        table: 'ranking_rolling',
        ts: T0 + 8 * DAY,
        symbols: { strategy: 'momentum', env: 'prod', name: 'precision_at_k_7d', k: '5' },
        columns: { value: expect.closeTo(0.5, 12) as number, samples: 2, window_ms: 7 * DAY },
      },
      {
        table: 'ranking_rolling',
        ts: T0 + 8 * DAY,
        symbols: { strategy: 'momentum', env: 'prod', name: 'precision_at_k_30d', k: '5' },
        columns: { value: expect.closeTo(0.4, 12) as number, samples: 3, window_ms: 30 * DAY },
      },
    ]);
  });

  it('windows are (t − window, t]: a score exactly a window old is out', () => {
    const r = rolling();
    r.feed(p5('c0', 0, 0.2));
    // At day 7 the 7-day window (day 0, day 7] leaves day 0 out: 0.8 alone; 30 days: (0.2 + 0.8) / 2.
    expect(points(r.feed(p5('c7', 7, 0.8)).outputs).map(([, v]) => v)).toEqual([0.8, 0.5]);
  });

  it('keeps K, metrics and series apart; rank_ic has no k label; markers are counted', () => {
    const r = rolling();
    r.feed(p5('c0', 0, 0.2));
    expect(points(r.feed(score('precision_at_k', 'c0', T0, 1, '1')).outputs)[0]).toEqual([
      'precision_at_k_7d',
      1,
      0,
    ]);
    const ic = metricsOf(r.feed(score('rank_ic', 'c0', T0, -0.25, null)).outputs);
    expect(ic.map((m) => [m.name, m.value, m.labels])).toEqual([
      ['rank_ic_7d', -0.25, { strategy: 'momentum', env: 'prod' }],
      ['rank_ic_30d', -0.25, { strategy: 'momentum', env: 'prod' }],
    ]);
    expect(rowsOf(r.h.outputs).at(-1)!.symbols['k']).toBe('none');
    // Two unlabeled cycles and a failed one: counts, not means; precision is unaffected.
    r.feed(score('ranking_cycle_unlabeled', 'u1', T0 + DAY, 1, null));
    const unlabeled = r.feed(score('ranking_cycle_unlabeled', 'u2', T0 + 2 * DAY, 1, null)).outputs;
    expect(points(unlabeled)).toEqual([
      ['ranking_unlabeled_cycles_7d', 2, 2],
      ['ranking_unlabeled_cycles_30d', 2, 2],
    ]);
    expect(points(r.feed(score('ranking_cycle_failed', 'f1', T0 + 2 * DAY, 1, null)).outputs)[0]).toEqual([
      'ranking_failed_cycles_7d',
      1,
      2,
    ]);
    expect(points(r.feed(p5('c3', 3, 0.4)).outputs)[0]![1]).toBeCloseTo(0.3, 12);
  });

  it('folds a score within the grace in at its own time; an older one goes to `late`', () => {
    const r = rolling();
    r.feed(p5('c0', 0, 0.2));
    r.feed(p5('c3', 3, 0.4));
    r.feed(p5('c8', 8, 0.6));
    // Newest day 8, grace 2 days: day 6 is in time. At day 6 the 7-day window (day −1, day 6] holds
    // days 0, 3 and 6: (0.2 + 0.4 + 1.0) / 3 = 0.53333.
    const inTime = r.feed(p5('c6', 6, 1.0));
    expect(inTime.rejected).toBeNull();
    expect(points(inTime.outputs)[0]).toEqual(['precision_at_k_7d', expect.closeTo(1.6 / 3, 12), 6]);
    // Day 5 is 3 days behind day 8: late, state unchanged.
    const late = r.feed(p5('c5', 5, 0));
    expect(late.rejected).toBe(
      'late: ranking score precision_at_k of cycle c5 (strategy momentum, env prod) at ' +
        '2026-01-10T00:00:00.000Z is older than the newest score of its strategy and env ' +
        '(2026-01-13T00:00:00.000Z) by more than the rolling grace (172800000 ms); not folded into the rolling means',
    );
    expect(r.h.late).toHaveLength(1);
    expect(r.state()!.cycles.map((c) => c.id)).toEqual(['c0', 'c3', 'c6', 'c8']);
  });

  it('a repeated score replaces the value it repeats', () => {
    const r = rolling();
    r.feed(p5('c0', 0, 0.2));
    const first = r.feed(p5('c3', 3, 0.4)).outputs;
    expect(r.feed(p5('c3', 3, 0.4)).outputs).toEqual(first);
    expect(rowsOf(first)[0]!.columns['samples']).toBe(2);
  });

  it('forgets cycles no future window can hold', () => {
    const r = rolling();
    r.feed(p5('c0', 0, 0.2));
    r.feed(p5('c3', 3, 0.4));
    // Newest day 40: a future score is at least day 38 (grace 2 d), its 30-day window starts after day 8.
    r.feed(p5('c40', 40, 0.5));
    expect(r.state()!.cycles.map((c) => c.id)).toEqual(['c40']);
  });

  it('rejects what is not a ranking score', () => {
    const r = rolling();
    expect(r.feed({ ...p5('c0', 0, 0.2), name: 'drawdown_1h' }).rejected).toContain('name must be one of');
    expect(r.feed(score('precision_at_k', 'c0', T0, 0.2, null)).rejected).toContain('label k must be');
    expect(
      r.feed({ ...p5('c0', 0, 0.2), labels: { strategy: 'm', env: 'prod', k: '5' } }).rejected,
    ).toContain('label cycle_id is missing');
    expect(r.h.deadLetters).toHaveLength(3);
  });
});
