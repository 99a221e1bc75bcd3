import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  compileRankingOptions,
  createRankingProcessor,
  type RankingSettings,
  type RankingState,
} from '../../../processors/ranking/index.ts';
import type { InferenceCycle, Metric, Outcome } from '../../../schemas/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { HOUR, T0, cycle, metricsOf, outcome, recordsOf, rowsOf, valuesOf, watermark } from './fixtures.ts';

const TOPIC = 'ranking.by-as-of';
type In = InferenceCycle | Outcome | Metric;

/** The join on a manual clock at `now`, with `settings` over ks [1, 2]. */
function join(settings: RankingSettings = {}, now = T0) {
  const h = new VirtualRunner<In, RankingState>(
    createRankingProcessor(compileRankingOptions({ ks: [1, 2], ...settings })),
    { clock: new ManualClock(now) },
  );
  return {
    h,
    cycle: (c: InferenceCycle, partition = 0) => h.feed(TOPIC, c, { type: 'InferenceCycle', partition }),
    outcome: (o: Outcome, partition = 0) => h.feed(TOPIC, o, { type: 'Outcome', partition }),
    watermark: (asOf: number, partition = 0) => h.feed(TOPIC, watermark(asOf), { type: 'Metric', partition }),
    /** The watermark of outcomes partition `of` of 3, on join partition `partition`. */
    watermarkOf: (asOf: number, of: number, partition = 0) =>
      h.feed(TOPIC, watermark(asOf, HOUR, { partition: of, partitions: 3 }), { type: 'Metric', partition }),
    state: (partition = 0) => h.state(TOPIC, `${HOUR}|p${partition}`, partition),
  };
}

/** The universe of the worked example: A 5%, B 2%, C 3%, D 4% (top 1: A; top 2: A, D). */
function feedUniverse(j: ReturnType<typeof join>, asOf = T0, partition = 0): void {
  for (const [asset, r] of [
    ['A', 0.05],
    ['B', 0.02],
    ['C', 0.03],
    ['D', 0.04],
  ] as const)
    j.outcome(outcome(asset, asOf, r), partition);
}

/** Ranks A, X (no outcome), B, C with scores 1, 0.99, 0.98, 0.97. */
const ranked = (id = 'c1', asOf = T0, overrides: Partial<InferenceCycle> = {}) =>
  cycle(id, asOf, ['A', 'X', 'B', 'C'], overrides);

describe('ranking (the join)', () => {
  it('scores a cycle once the watermark passes its as_of: every K, rank_ic, rows, scores for the rolling stage', () => {
    const j = join();
    j.cycle(ranked());
    feedUniverse(j);
    // Event time T0 = the cycle's as_of: not past it, nothing scored.
    expect(j.watermark(T0).outputs).toEqual([]);
    const { outputs } = j.watermark(T0 + HOUR);
    // K=1: relevant {A}, top-1 [A] → 1, 1, 1, 1.
    // K=2: relevant {A, D}, top-2 [A, X] → P 1/2, R 1/2, hit 1, nDCG 1 / (1 + 1/log2 3) = 0.61315.
    // rank_ic over A, B, C (X has no outcome): score ranks 3, 2, 1 vs return ranks 3, 1, 2 → 0.5.
    const values = valuesOf(metricsOf(outputs));
    expect(values).toEqual({
      'precision_at_k@1': 1,
      'recall_at_k@1': 1,
      'hit_at_k@1': 1,
      'ndcg_at_k@1': 1,
      'precision_at_k@2': 0.5,
      'recall_at_k@2': 0.5,
      'hit_at_k@2': 1,
      'ndcg_at_k@2': expect.closeTo(0.61315, 5) as number,
      rank_ic: expect.closeTo(0.5, 12) as number,
    });
    const metrics = metricsOf(outputs);
    expect(metrics[0]).toEqual({
      name: 'precision_at_k',
      labels: { strategy: 'momentum', env: 'prod', k: '1', cycle_id: 'c1' },
      value: 1,
      ts: T0,
    });
    expect(metrics.at(-1)!.labels).toEqual({ strategy: 'momentum', env: 'prod', cycle_id: 'c1' });
    // The same points go to ranking.scores, keyed by strategy and env.
    const records = recordsOf(outputs);
    expect(records.map((r) => r.value)).toEqual(metrics);
    expect(new Set(records.map((r) => `${r.topic} ${r.key} ${r.type}`))).toEqual(
      new Set(['ranking.scores momentum|prod Metric']),
    );
    expect(rowsOf(outputs, 'ranking_scores')).toEqual([
      {
        table: 'ranking_scores',
        ts: T0,
        symbols: { strategy: 'momentum', env: 'prod', k: '1', cycle_id: 'c1' },
        columns: { precision_at_k: 1, recall_at_k: 1, hit_at_k: 1, ndcg_at_k: 1 },
      },
      {
        table: 'ranking_scores',
        ts: T0,
        symbols: { strategy: 'momentum', env: 'prod', k: '2', cycle_id: 'c1' },
        columns: {
          precision_at_k: 0.5,
          recall_at_k: 0.5,
          hit_at_k: 1,
          ndcg_at_k: expect.closeTo(0.61315, 5) as number,
        },
      },
    ]);
    expect(rowsOf(outputs, 'ranking_cycles')).toEqual([
      {
        table: 'ranking_cycles',
        ts: T0,
        symbols: {
          strategy: 'momentum',
          env: 'prod',
          cycle_id: 'c1',
          status: 'scored',
          closed_by: 'watermark',
        },
        columns: {
          horizon_ms: HOUR,
          universe: 4,
          predictions: 4,
          labeled: 3,
          rank_ic: expect.closeTo(0.5, 12) as number,
          note: null,
        },
      },
    ]);
    expect(j.state()!.groups).toEqual({});
  });

  it('closes an as_of once EVERY outcomes partition is past it, not on the first later outcome (label delay 0)', () => {
    const j = join();
    j.cycle(ranked());
    feedUniverse(j);
    // An outcome of a later as_of, and the watermark of the fastest partition: the others may still hold
    // outcomes of T0, so nothing closes (this scored a partial universe once).
    expect(metricsOf(j.outcome(outcome('A', T0 + HOUR, 0.01)).outputs)).toEqual([]);
    expect(metricsOf(j.watermarkOf(T0 + HOUR, 2).outputs)).toEqual([]);
    expect(metricsOf(j.watermarkOf(T0, 0).outputs)).toEqual([]);
    expect(j.state()!.eventTime).toBeNull();
    // Partition 1 reports: the least watermark is T0 (partition 0), not past T0 yet.
    expect(metricsOf(j.watermarkOf(T0 + HOUR, 1).outputs)).toEqual([]);
    expect(j.state()!.eventTime).toBe(T0);
    // Partition 0 passes T0: every partition is past it, the cycle is scored on the whole universe.
    const { outputs } = j.watermarkOf(T0 + HOUR, 0);
    expect(metricsOf(outputs)).toHaveLength(9);
    expect(rowsOf(outputs, 'ranking_cycles')[0]!.columns['universe']).toBe(4);
    expect(j.state()!.eventTime).toBe(T0 + HOUR);
    // The later as_of stays open, with its first outcome; a watermark that goes back changes nothing.
    expect(Object.keys(j.state()!.groups)).toEqual([String(T0 + HOUR)]);
    expect(j.watermarkOf(T0, 1).outputs).toEqual([]);
    expect(j.state()!.eventTime).toBe(T0 + HOUR);
  });

  it('rejects a watermark whose partition labels make no sense', () => {
    const j = join();
    const bad = watermark(T0, HOUR, { partition: 3, partitions: 3 });
    expect(j.h.feed(TOPIC, bad, { type: 'Metric' }).rejected).toContain(
      'labels partition and partitions must be whole numbers with partition < partitions',
    );
  });

  it('waits for the event time to pass the as_of by MORE than the label delay', () => {
    const j = join({ labelDelayMs: 2 * HOUR });
    j.cycle(ranked());
    feedUniverse(j);
    expect(j.watermark(T0 + 2 * HOUR).outputs).toEqual([]);
    // An outcome arriving now is still in time.
    expect(j.outcome(outcome('E', T0, 0.1)).late).toEqual([]);
    const { outputs } = j.watermark(T0 + 2 * HOUR + 1);
    // E (10%) is now the best return: K=1 relevant {E}, top-1 [A] → precision@1 0.
    expect(valuesOf(metricsOf(outputs))['precision_at_k@1']).toBe(0);
    expect(rowsOf(outputs, 'ranking_cycles')[0]!.columns['universe']).toBe(5);
  });

  it('routes outcomes and cycles of a scored as_of to `late`, counted, changing nothing else', () => {
    const j = join();
    j.cycle(ranked());
    feedUniverse(j);
    j.watermark(T0 + HOUR);
    const late = j.outcome(outcome('E', T0, 0.2));
    expect(late.outputs).toEqual([]);
    expect(late.late).toEqual([
      'the outcome of E arrived after its as_of 2026-01-05T00:00:00.000Z was scored: the outcome event time ' +
        'of horizon 3600000 ms is 2026-01-05T01:00:00.000Z, past it by more than the label delay (0 ms)',
    ]);
    const lateCycle = j.cycle(ranked('c2'));
    expect(lateCycle.late[0]).toMatch(/^cycle c2 \(strategy momentum, env prod\) arrived after its as_of /);
    expect(j.h.late.map((l) => l.record)).toEqual([outcome('E', T0, 0.2), ranked('c2')]);
    expect(j.state()).toMatchObject({ late: 2, groups: {} });
  });

  it('a cycle with no outcome of its as_of is unlabeled, not a miss', () => {
    const j = join();
    j.cycle(ranked());
    const { outputs } = j.watermark(T0 + HOUR);
    expect(metricsOf(outputs)).toEqual([
      {
        name: 'ranking_cycle_unlabeled',
        labels: { strategy: 'momentum', env: 'prod', cycle_id: 'c1' },
        value: 1,
        ts: T0,
      },
    ]);
    expect(recordsOf(outputs)).toHaveLength(1);
    expect(rowsOf(outputs, 'ranking_scores')).toEqual([]);
    expect(rowsOf(outputs, 'ranking_cycles')[0]).toMatchObject({
      symbols: { status: 'unlabeled' },
      columns: {
        universe: 0,
        predictions: 4,
        labeled: null,
        rank_ic: null,
        note: 'no outcome arrived for its as_of',
      },
    });
  });

  it('a failed cycle is counted as failed, not scored', () => {
    const j = join();
    j.cycle(ranked('f1', T0, { status: 'failure', error: 'feature store down', predictions: [] }));
    feedUniverse(j);
    const { outputs } = j.watermark(T0 + HOUR);
    expect(metricsOf(outputs).map((m) => [m.name, m.value])).toEqual([['ranking_cycle_failed', 1]]);
    expect(rowsOf(outputs, 'ranking_cycles')[0]).toMatchObject({
      symbols: { cycle_id: 'f1', status: 'failed' },
      columns: { universe: 4, predictions: 0 },
    });
  });

  it('fewer than K predictions: the missing places are misses', () => {
    const j = join({ ks: [5] });
    j.cycle(cycle('short', T0, ['A', 'B']));
    for (const [asset, r] of Object.entries({ A: 0.9, B: -0.1, C: 0.5, D: 0.4, E: 0.3, F: 0.2, G: 0.1 }))
      j.outcome(outcome(asset, T0, r));
    const { outputs } = j.watermark(T0 + HOUR);
    // Relevant: the top 5 by return {A, C, D, E, F}; top-5 predictions [A, B]: 1 hit.
    // P = 1/5 (not 1/2), R = 1/5, hit 1, nDCG = 1 / IDCG over 5 positions = 0.33916.
    // rank_ic over A, B: scores 1 > 0.99, returns 0.9 > −0.1 → 1.
    expect(valuesOf(metricsOf(outputs))).toEqual({
      'precision_at_k@5': 0.2,
      'recall_at_k@5': 0.2,
      'hit_at_k@5': 1,
      'ndcg_at_k@5': expect.closeTo(0.33916, 5) as number,
      rank_ic: 1,
    });
  });

  it('scores every cycle of an as_of against the same universe, in cycle_id order; a repeated cycle once', () => {
    const j = join();
    j.cycle(cycle('c2', T0, ['D', 'A'], { strategy: 'carry' }));
    j.cycle(ranked('c1'));
    j.cycle(ranked('c1'));
    feedUniverse(j);
    const metrics = metricsOf(j.watermark(T0 + HOUR).outputs);
    expect([...new Set(metrics.map((m) => m.labels['cycle_id']))]).toEqual(['c1', 'c2']);
    expect(metrics.filter((m) => m.name === 'precision_at_k' && m.labels['cycle_id'] === 'c1')).toHaveLength(
      2,
    );
    // c2 ranks D, A: K=2 relevant {A, D} → precision@2 1; K=1 relevant {A}, top-1 [D] → 0.
    const c2 = valuesOf(metrics.filter((m) => m.labels['cycle_id'] === 'c2'));
    expect([c2['precision_at_k@1'], c2['precision_at_k@2']]).toEqual([0, 1]);
  });

  it('a repeated outcome (asset, as_of) replaces the earlier one: the last forward return wins', () => {
    const j = join();
    j.cycle(ranked());
    feedUniverse(j);
    j.outcome(outcome('A', T0, -0.5));
    const { outputs } = j.watermark(T0 + HOUR);
    // A is now the worst: K=1 relevant {D} (4%), top-1 [A] → 0; the universe still has 4 assets.
    expect(valuesOf(metricsOf(outputs))['precision_at_k@1']).toBe(0);
    expect(rowsOf(outputs, 'ranking_cycles')[0]!.columns['universe']).toBe(4);
  });

  it('keeps each partition and horizon apart: a watermark closes only its own partition’s groups', () => {
    const j = join();
    j.cycle(ranked('c0', T0), 0);
    j.cycle(ranked('c1', T0 + HOUR), 1);
    feedUniverse(j, T0, 0);
    feedUniverse(j, T0 + HOUR, 1);
    const ids = (outputs: ReturnType<typeof metricsOf>) => new Set(outputs.map((m) => m.labels['cycle_id']));
    // Partition 0's watermark closes c0 (partition 0) and leaves c1 (partition 1) open.
    expect(ids(metricsOf(j.watermark(T0 + 2 * HOUR, 0).outputs))).toEqual(new Set(['c0']));
    expect(Object.keys(j.state(1)!.groups)).toEqual([String(T0 + HOUR)]);
    expect(ids(metricsOf(j.watermark(T0 + 2 * HOUR, 1).outputs))).toEqual(new Set(['c1']));
    // A 1-day-horizon cycle has its own state (key `${horizon}|p0`), untouched by the 1-hour watermark.
    j.cycle(cycle('d0', T0, ['A'], { horizon_ms: 24 * HOUR }), 0);
    expect(j.h.state(TOPIC, `${24 * HOUR}|p0`, 0)?.groups[String(T0)]?.cycles['d0']).toBeDefined();
  });

  it('scores at the wall-clock deadline with the outcomes that arrived; later outcomes are late', () => {
    const wall = T0 + 5 * 60_000;
    const j = join({ deadlineMs: HOUR }, wall);
    j.cycle(ranked());
    j.outcome(outcome('A', T0, 0.05));
    j.outcome(outcome('B', T0, 0.02));
    // Deadline: first seen + horizon (1 h) + deadline (1 h).
    expect([...j.h.timers().values()]).toEqual([wall + 2 * HOUR]);
    expect(j.h.advanceTo(wall + 2 * HOUR - 1)).toEqual([]);
    const outputs = j.h.advanceTo(wall + 2 * HOUR);
    // Universe {A, B}: K=1 relevant {A}, top-1 [A] → 1; K=2 relevant {A, B}, top-2 [A, X] → 1/2.
    expect(valuesOf(metricsOf(outputs))['precision_at_k@2']).toBe(0.5);
    expect(rowsOf(outputs, 'ranking_cycles')[0]!.symbols['closed_by']).toBe('deadline');
    expect(j.state()!.scored).toEqual([[T0, wall + 2 * HOUR]]);
    expect(j.h.timers().size).toBe(0);
    // The outcome stream has not passed T0, but T0 was scored: late.
    expect(j.outcome(outcome('C', T0, 0.03)).late[0]).toBe(
      'the outcome of C arrived after its as_of 2026-01-05T00:00:00.000Z (horizon 3600000 ms) was scored at ' +
        'the wall-clock deadline at 2026-01-05T02:05:00.000Z',
    );
    // Once the event time passes T0 the memory entry goes: the event-time rule says the same.
    j.watermark(T0 + HOUR);
    expect(j.state()!.scored).toEqual([]);
    expect(j.outcome(outcome('D', T0, 0.04)).late).toHaveLength(1);
  });

  it('forgets an as_of scored at the deadline after scored_memory of wall time', () => {
    const j = join({ deadlineMs: 0, scoredMemoryMs: 24 * HOUR });
    j.cycle(ranked());
    j.h.advanceTo(T0 + HOUR);
    expect(j.state()!.scored).toHaveLength(1);
    j.h.advanceTo(T0 + 25 * HOUR);
    j.cycle(ranked('c2', T0 + 24 * HOUR));
    expect(j.state()!.scored).toEqual([]);
  });

  it('deadline never: no timer', () => {
    const j = join({ deadlineMs: null });
    j.cycle(ranked());
    expect(j.h.timers().size).toBe(0);
  });

  it('rejects a foreign or malformed metric on its topic', () => {
    const j = join();
    const bad = { name: 'drawdown_1h', labels: {}, value: 1, ts: T0 };
    expect(j.h.feed(TOPIC, bad, { type: 'Metric' }).rejected).toBe(
      'unexpected metric drawdown_1h on ranking.by-as-of: only ranking_outcome_watermark travels there',
    );
    const noHorizon = { ...watermark(T0), labels: {} };
    expect(j.h.feed(TOPIC, noHorizon, { type: 'Metric' }).rejected).toContain('label horizon_ms');
  });

  it('gives the same outputs after a crash and a replay from the last commit', () => {
    const run = (crashAt: number | null) => {
      const j = join();
      const steps = [
        () => j.cycle(ranked('c1', T0)),
        () => j.cycle(ranked('c2', T0 + HOUR)),
        () => feedUniverse(j, T0),
        () => j.watermark(T0 + HOUR),
        () => feedUniverse(j, T0 + HOUR),
        () => j.outcome(outcome('A', T0 + 2 * HOUR, 0)),
        () => j.watermark(T0 + 2 * HOUR),
      ];
      for (const [i, step] of steps.entries()) {
        const mark = j.h.outputs.length;
        step();
        if (i === crashAt) {
          // A SIGKILL before the commit: the step's state and outputs are lost; it is processed again.
          j.h.crash();
          j.h.outputs.splice(mark);
          step();
        }
        j.h.commit();
      }
      return j.h.outputs;
    };
    const reference = run(null);
    expect(metricsOf(reference)).toHaveLength(18);
    for (let at = 0; at < 7; at++) expect(run(at)).toEqual(reference);
  });
});
