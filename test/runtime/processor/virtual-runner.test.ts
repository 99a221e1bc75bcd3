import { describe, expect, it } from 'vitest';
import { VirtualRunner, type Processor } from '../../../runtime/processor/index.ts';
import type { Metric } from '../../../schemas/index.ts';
import { partitionOfKey, partitionsOf } from '../../../topics/partition-of.ts';

/** Counts the points of each series; rebroadcasts every point to all partitions of ranking.scores. */
const counter: Processor<Metric, { n: number }> = {
  name: 'counter',
  inputs: [{ topic: 'metrics', type: 'Metric' }],
  key: (m) => m.name,
  initialState: () => ({ n: 0 }),
  process(m, state, context) {
    context.emit({
      kind: 'record',
      topic: 'ranking.scores',
      key: m.name,
      type: 'Metric',
      value: m,
      partition: 'all',
    });
    context.emit({ kind: 'record', topic: 'ranking.scores', key: m.name, type: 'Metric', value: m });
    return { n: state.n + 1 };
  },
};

/** Remembers the partitions it saw a point in. */
const seen: Processor<Metric, { partitions: number[] }> = {
  name: 'seen',
  inputs: [{ topic: 'ranking.scores', type: 'Metric' }],
  key: () => 'all',
  initialState: () => ({ partitions: [] }),
  process: (_m, state, context) => ({ partitions: [...state.partitions, context.source.partition] }),
};

const point: Metric = { name: 'x', labels: {}, value: 1, ts: 0 };

describe('VirtualRunner', () => {
  it('feeds record outputs to the processors reading their topic, in the partitions a producer picks', () => {
    const runner = new VirtualRunner([counter, seen]);
    runner.feed('metrics', point);
    const partitions = partitionsOf('ranking.scores');
    const keyed = partitionOfKey('x', partitions);
    for (let p = 0; p < partitions; p += 1) {
      expect(
        (runner.state('ranking.scores', 'all', p, 'seen') as { partitions: number[] }).partitions,
      ).toEqual(p === keyed ? [p, p] : [p]);
    }
  });

  it('crash() restores the states committed last', () => {
    const runner = new VirtualRunner(counter);
    runner.feed('metrics', point);
    runner.commit();
    runner.feed('metrics', point);
    expect(runner.state('metrics', 'x')).toEqual({ n: 2 });
    runner.crash();
    expect(runner.state('metrics', 'x')).toEqual({ n: 1 });
  });
});
