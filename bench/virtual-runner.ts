/**
 * Phase 2, the virtual runner against a plain loop. Backtests run processors on the virtual runner
 * (runtime/processor/virtual-runner.ts), so it must keep the speed of calling a processor directly.
 * Two workloads, each run by both sides in turn, ROUNDS times (the median CPU time of each side kept: on
 * a shared machine a single run varies by a quarter, and a garbage collection lands on either side):
 * - drawdown over the phase's marks: a plain loop (state in a Map, one context, outputs collected and
 *   dropped every 10,000 marks) against `new VirtualRunner(drawdown, { roundTrip: false })`;
 * - the precision@K chain (repartition → ranking → rolling) over generated events: a plain loop wiring
 *   the stages by hand as live (murmur2 partitions, broadcasts, state per partition) against the three
 *   processors on one wired runner.
 * The figure: the runner's time ÷ the plain loop's (the target is at most 1.2).
 */
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import {
  VirtualRunner,
  inMemorySource,
  isRejection,
  type Output,
  type Processor,
  type RecordSource,
} from '../runtime/processor/index.ts';
import type { RecordTypeName } from '../schemas/index.ts';
import { seriesKey } from '../topics/index.ts';
import { partitionOfKey, partitionsOf } from '../topics/partition-of.ts';
import { round } from './progress.ts';

const ROUNDS = 7;
const TALLY_EVERY = 10_000;

/** One workload through both sides. */
export interface Comparison {
  readonly records: number;
  /** CPU time, the median of ROUNDS runs. */
  readonly plainMs: number;
  readonly virtualMs: number;
  /** virtual ÷ plain. */
  readonly ratio: number;
}

type AnyProcessor = Processor<unknown, unknown>;

/** One input event of the chain. */
export interface ChainEvent {
  readonly topic: string;
  readonly type: RecordTypeName;
  readonly key: string;
  readonly value: unknown;
}

/**
 * Runs `records` through `processor` in a plain loop (its first input, partition 0); `tally` gets the
 * outputs every 10,000 records and at the end. Returns the time and the final states.
 */
export function plainLoop<In, State>(
  processor: Processor<In, State>,
  records: readonly In[],
  tally: (outputs: Output[]) => void,
): { ms: number; states: Map<string, State>; rejected: number } {
  const states = new Map<string, State>();
  let collected: Output[] = [];
  const source = inMemorySource(processor.inputs[0]!);
  const context = {
    clock: new ManualClock(0),
    logger: silentLogger(),
    source,
    emit: (output: Output) => void collected.push(output),
  };
  let rejected = 0;
  const started = performance.now();
  for (let i = 0; i < records.length; i += 1) {
    const record = records[i]!;
    const key = processor.key(record, source);
    const result = processor.process(
      record,
      states.get(key) ?? processor.initialState(key, record, source),
      context,
    );
    if (isRejection(result)) rejected += 1;
    else states.set(key, result);
    if (i % TALLY_EVERY === TALLY_EVERY - 1) {
      tally(collected);
      collected = [];
    }
  }
  tally(collected);
  return { ms: performance.now() - started, states, rejected };
}

/** The same on the virtual runner (no JSON round trip, as a backtest runs). */
export function virtualLoop<In, State>(
  processor: Processor<In, State>,
  records: readonly In[],
  tally: (outputs: Output[]) => void,
): { ms: number; runner: VirtualRunner<In, State> } {
  const runner = new VirtualRunner(processor, { roundTrip: false });
  const topic = processor.inputs[0]!.topic;
  const started = performance.now();
  for (let i = 0; i < records.length; i += 1) {
    runner.push(topic, records[i]!);
    if (i % TALLY_EVERY === TALLY_EVERY - 1) tally(runner.take());
  }
  tally(runner.take());
  return { ms: performance.now() - started, runner };
}

/** The chain wired by hand: what the runner does, written out for these processors. */
function plainChain(processors: readonly AnyProcessor[], events: readonly ChainEvent[]): void {
  const readers = new Map<string, { processor: AnyProcessor; states: Map<string, unknown> }[]>();
  for (const processor of processors) {
    for (const input of processor.inputs) {
      readers.set(input.topic, [...(readers.get(input.topic) ?? []), { processor, states: new Map() }]);
    }
  }
  const clock = new ManualClock(0);
  const logger = silentLogger();
  // Outputs kept until the next tally, as the runner keeps them until `take`.
  let collected: Output[] = [];
  const emit = (output: Output): void => void collected.push(output);
  const queue: ChainEvent[] = [];
  const partitions: number[] = [];
  const counts = new Map<string, number>();
  const deliver = (topic: string, type: RecordTypeName, partition: number, key: string, value: unknown) => {
    for (const { processor, states } of readers.get(topic) ?? []) {
      const source: RecordSource = { topic, type, partition, offset: '0', key, timestamp: 0 };
      const stateKey = processor.key(value, source);
      const id = `${partition}|${stateKey}`;
      const start = collected.length;
      const state = states.get(id) ?? processor.initialState(stateKey, value, source);
      const result = processor.process(value, state, { clock, logger, source, emit });
      if (isRejection(result)) {
        collected.length = start;
        continue;
      }
      states.set(id, result);
      for (let i = start; i < collected.length; i += 1) {
        const o = collected[i]!;
        if (o.kind === 'record' && readers.has(o.topic)) queue.push(o);
        else if (o.kind === 'metric' && readers.has('metrics')) {
          queue.push({
            topic: 'metrics',
            type: 'Metric',
            key: seriesKey(o.metric.name, o.metric.labels),
            value: o.metric,
          });
        }
      }
    }
  };
  for (let n = 0; n < events.length; n += 1) {
    if (n % TALLY_EVERY === 0) collected = [];
    queue.push(events[n]!);
    for (let i = 0; i < queue.length; i += 1) {
      const { topic, type, key, value } = queue[i]!;
      const target = (queue[i] as { partition?: number | 'all' }).partition;
      let count = counts.get(topic);
      if (count === undefined) counts.set(topic, (count = partitionsOf(topic)));
      partitions.length = 0;
      if (target === 'all') for (let p = 0; p < count; p += 1) partitions.push(p);
      // Inputs too go to the partition of their key, as a producer sends them.
      else partitions.push(target ?? partitionOfKey(key, count));
      for (const p of partitions) deliver(topic, type, p, key, value);
    }
    queue.length = 0;
  }
}

/** CPU time of this process, ms: unlike wall time, not inflated when a shared machine deschedules us. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function compare(records: number, plain: () => unknown, virtual: () => unknown): Comparison {
  const plainMs: number[] = [];
  const virtualMs: number[] = [];
  const time = (work: () => unknown): number => {
    const started = cpuMs();
    work();
    return cpuMs() - started;
  };
  // Alternating which goes first, so neither always pays for the other's garbage.
  for (let r = 0; r < ROUNDS; r += 1) {
    if (r % 2 === 0) plainMs.push(time(plain));
    virtualMs.push(time(virtual));
    if (r % 2 === 1) plainMs.push(time(plain));
  }
  return {
    records,
    plainMs: round(median(plainMs), 1),
    virtualMs: round(median(virtualMs), 1),
    ratio: round(median(virtualMs) / median(plainMs), 3),
  };
}

/** Drawdown over `marks`, both ways. */
export function compareDrawdown<In, State>(
  create: () => Processor<In, State>,
  marks: readonly In[],
): Comparison {
  const ignore = (): void => undefined;
  return compare(
    marks.length,
    () => plainLoop(create(), marks, ignore),
    () => virtualLoop(create(), marks, ignore),
  );
}

/** The chain of `create()`'s processors over `events`, both ways. */
export async function compareChain(
  create: () => Promise<readonly AnyProcessor[]>,
  events: readonly ChainEvent[],
): Promise<Comparison> {
  const sets = await Promise.all(Array.from({ length: 2 * ROUNDS }, create));
  return compare(
    events.length,
    () => plainChain(sets.pop()!, events),
    () => {
      const runner = new VirtualRunner(sets.pop()!, { roundTrip: false });
      for (let i = 0; i < events.length; i += 1) {
        const e = events[i]!;
        const partition = partitionOfKey(e.key, partitionsOf(e.topic));
        runner.push(e.topic, e.value, { type: e.type, key: e.key, partition });
        if (i % TALLY_EVERY === TALLY_EVERY - 1) runner.take();
      }
    },
  );
}
