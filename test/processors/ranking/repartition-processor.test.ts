import { describe, expect, it } from 'vitest';
import {
  compileRankingOptions,
  createRankingRepartitionProcessor,
  type RepartitionState,
} from '../../../processors/ranking/index.ts';
import type { InferenceCycle, Outcome } from '../../../schemas/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { HOUR, T0, cycle, outcome, recordsOf, watermark } from './fixtures.ts';

const harness = () =>
  new VirtualRunner<InferenceCycle | Outcome, RepartitionState>(
    createRankingRepartitionProcessor(compileRankingOptions()),
  );

describe('ranking-repartition', () => {
  it('reads cycles and outcomes', () => {
    expect(createRankingRepartitionProcessor(compileRankingOptions()).inputs).toEqual([
      { topic: 'inference.cycles', type: 'InferenceCycle' },
      { topic: 'outcomes', type: 'Outcome' },
    ]);
  });

  it('re-keys a cycle by (horizon, as_of), unchanged', () => {
    const h = harness();
    const c = cycle('c1', T0, ['A', 'B']);
    const fed = h.feed('inference.cycles', c, { key: 'momentum', partition: 2 });
    expect(fed.outputs).toEqual([
      { kind: 'record', topic: 'ranking.by-as-of', key: `${HOUR}|${T0}`, type: 'InferenceCycle', value: c },
    ]);
  });

  it('re-keys an outcome and broadcasts the watermark of its horizon when it grows', () => {
    const h = harness();
    const first = h.feed('outcomes', outcome('A', T0, 0.01), { key: 'A' });
    expect(first.outputs).toEqual([
      {
        kind: 'record',
        topic: 'ranking.by-as-of',
        key: `${HOUR}|${T0}`,
        type: 'Outcome',
        value: outcome('A', T0, 0.01),
      },
      {
        kind: 'record',
        topic: 'ranking.by-as-of',
        key: `${HOUR}|${T0}`,
        type: 'Metric',
        // The watermark names its outcomes partition and how many there are (the join takes the least).
        value: watermark(T0, HOUR, { partition: 0, partitions: 3 }),
        partition: 'all',
      },
    ]);
    // The same as_of again, then an older one: no growth, no broadcast.
    expect(recordsOf(h.feed('outcomes', outcome('B', T0, 0.02)).outputs).map((r) => r.type)).toEqual([
      'Outcome',
    ]);
    expect(recordsOf(h.feed('outcomes', outcome('B', T0 - HOUR, 0.02)).outputs).map((r) => r.type)).toEqual([
      'Outcome',
    ]);
    // A later as_of grows it.
    const later = recordsOf(h.feed('outcomes', outcome('A', T0 + HOUR, 0.03)).outputs);
    expect(later.map((r) => [r.type, r.partition])).toEqual([
      ['Outcome', undefined],
      ['Metric', 'all'],
    ]);
    expect(later[1]!.value).toEqual(watermark(T0 + HOUR, HOUR, { partition: 0, partitions: 3 }));
  });

  it('keeps one watermark per horizon and per outcomes partition', () => {
    const h = harness();
    h.feed('outcomes', outcome('A', T0 + HOUR, 0.01), { partition: 0 });
    // Another horizon on the same partition: its own watermark.
    const day = recordsOf(h.feed('outcomes', outcome('A', T0, 0.01, 24 * HOUR), { partition: 0 }).outputs);
    expect(day[1]!.value).toEqual(watermark(T0, 24 * HOUR, { partition: 0, partitions: 3 }));
    // Partition 1 has seen nothing: an older as_of still grows its own watermark.
    const other = recordsOf(h.feed('outcomes', outcome('B', T0, 0.01), { partition: 1 }).outputs);
    expect(other.map((r) => r.type)).toEqual(['Outcome', 'Metric']);
    expect(other[1]!.value).toEqual(watermark(T0, HOUR, { partition: 1, partitions: 3 }));
    expect(h.state('outcomes', `watermark|${HOUR}|p0`, 0)).toEqual({ maxAsOf: T0 + HOUR, forwarded: 1 });
    expect(h.state('outcomes', `watermark|${HOUR}|p1`, 1)).toEqual({ maxAsOf: T0, forwarded: 1 });
  });

  it('rejects invalid cycles and outcomes with what is wrong, forwarding nothing', () => {
    const h = harness();
    const gap = cycle('bad', T0, ['A', 'B']);
    gap.predictions[1]!.rank = 3;
    expect(h.feed('inference.cycles', gap).rejected).toBe(
      'invalid inference cycle bad (strategy momentum, env prod, as_of 2026-01-05T00:00:00.000Z): ' +
        'predictions[1].rank must be between 1 and 2 (ranks 1..n without gaps), got 3',
    );
    const twice = cycle('twice', T0, ['A', 'A']);
    expect(h.feed('inference.cycles', twice).rejected).toContain('predictions[1].asset A is predicted twice');
    expect(h.feed('inference.cycles', cycle('h0', T0, ['A'], { horizon_ms: 0 })).rejected).toContain(
      'horizon_ms must be a positive integer of ms, got 0',
    );
    expect(h.feed('outcomes', outcome('A', T0, Number.NaN)).rejected).toBe(
      'invalid outcome of A (as_of 2026-01-05T00:00:00.000Z, horizon 3600000 ms): ' +
        'forward_return must be a finite fraction (0.012 for +1.2%), got NaN',
    );
    expect(h.outputs).toEqual([]);
    expect(h.deadLetters).toHaveLength(4);
    // A failed cycle needs no valid predictions: it is forwarded, to be counted as failed.
    const failed = cycle('f', T0, [], { status: 'failure', error: 'boom' });
    expect(h.feed('inference.cycles', failed).outputs).toHaveLength(1);
  });
});
