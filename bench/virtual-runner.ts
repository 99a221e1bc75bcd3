/**
 * Phase 2, the virtual runner against a plain loop. Backtests run processors on the virtual runner
 * (runtime/processor/virtual-runner.ts), so it must keep the speed of calling a processor directly.
 * Two workloads, each run by both sides:
 * - drawdown over the phase's marks: a plain loop (state in a Map, one context, outputs collected and
 *   dropped every 10,000 marks) against `new VirtualRunner(drawdown, { roundTrip: false })`;
 * - the precision@K chain (repartition → ranking → rolling) over generated events: a plain loop wiring
 *   the stages by hand as live (murmur2 partitions, broadcasts, state per partition) against the three
 *   processors on one wired runner.
 * Paired, in lockstep: both sides go through the records a chunk of 10,000 at a time, taking turns
 * (which goes first alternates), each timed in CPU time. So both see the same machine, chunk by chunk:
 * on a shared machine, runs taken one after the other differ by a quarter, more than what is measured.
 * ROUNDS such runs (after one that warms both up), each with fresh processors; the figure is the median of the rounds' ratios, the
 * runner's time ÷ the plain loop's (the target is at most 1.2).
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
  /** virtual ÷ plain: the median of the rounds' ratios. */
  readonly ratio: number;
  /** Each round's ratio, in order (how much one round varies). */
  readonly rounds: number[];
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
 * `processor` in a plain loop over `records` (its first input, partition 0), a chunk at a time: state in
 * a Map, one context, the chunk's outputs collected (`step` starts a new collection and returns it).
 */
function plainSteps<In, State>(
  processor: Processor<In, State>,
  records: readonly In[],
): { step: (from: number, to: number) => Output[]; states: Map<string, State>; rejected(): number } {
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
  return {
    states,
    rejected: () => rejected,
    step: (from, to) => {
      collected = [];
      for (let i = from; i < to; i += 1) {
        const record = records[i]!;
        const key = processor.key(record, source);
        const result = processor.process(
          record,
          states.get(key) ?? processor.initialState(key, record, source),
          context,
        );
        if (isRejection(result)) rejected += 1;
        else states.set(key, result);
      }
      return collected;
    },
  };
}

/**
 * Runs `records` through `processor` in a plain loop (its first input, partition 0); `tally` gets the
 * outputs every 10,000 records. Returns the time and the final states.
 */
export function plainLoop<In, State>(
  processor: Processor<In, State>,
  records: readonly In[],
  tally: (outputs: Output[]) => void,
): { ms: number; states: Map<string, State>; rejected: number } {
  const plain = plainSteps(processor, records);
  const started = performance.now();
  for (let from = 0; from < records.length; from += TALLY_EVERY)
    tally(plain.step(from, Math.min(records.length, from + TALLY_EVERY)));
  return { ms: performance.now() - started, states: plain.states, rejected: plain.rejected() };
}

/** A record sent to hand-wired processors: the partition of its key unless given, the clock's now unless timed. */
export interface SentEvent extends ChainEvent {
  readonly partition?: number | 'all';
  readonly timestamp?: number;
}

/**
 * Processors wired by hand, as a plain loop would call them: what the virtual runner does, written out
 * (state per partition and key in a Map, one new source per delivery, outputs collected, a `record` to
 * its topic and a `metric` to `metrics` in the partition of its key, the emitter's outputs after it).
 * `advanceTo` fires the due timers by scanning the states of the processors that have timers. No dead
 * letters, no changelog: the reference the runner is measured against.
 */
export function handWired(
  processors: readonly AnyProcessor[],
  clock = new ManualClock(0),
): { send(event: SentEvent): void; advanceTo(ms: number): void; take(): Output[] } {
  interface Reader {
    readonly processor: AnyProcessor;
    readonly topic: string;
    readonly states: Map<string, unknown>;
    /** For a processor with timers: state id → [partition, key, due time] of the states with a timer. */
    readonly due: Map<string, [number, string, number]> | null;
  }
  const readers = new Map<string, Reader[]>();
  for (const processor of processors) {
    for (const { topic } of processor.inputs) {
      const due = processor.timer ? new Map<string, [number, string, number]>() : null;
      readers.set(topic, [...(readers.get(topic) ?? []), { processor, topic, states: new Map(), due }]);
    }
  }
  const logger = silentLogger();
  // Outputs kept until `take`, as the runner keeps them.
  let collected: Output[] = [];
  const emit = (output: Output): void => void collected.push(output);
  const queue: SentEvent[] = [];
  const partitions: number[] = [];
  const counts = new Map<string, number>();
  const deliver = (
    topic: string,
    type: RecordTypeName,
    partition: number,
    key: string,
    value: unknown,
    timestamp: number,
  ) => {
    for (const { processor, states, due } of readers.get(topic) ?? []) {
      const source: RecordSource = { topic, type, partition, offset: '0', key, timestamp };
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
      if (due !== null) timerOf(processor, due, id, partition, stateKey, result);
      route(start);
    }
  };
  const route = (start: number): void => {
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
  };
  const drain = (): void => {
    for (let i = 0; i < queue.length; i += 1) {
      const { topic, type, key, value, partition: target, timestamp } = queue[i]!;
      let count = counts.get(topic);
      if (count === undefined) counts.set(topic, (count = partitionsOf(topic)));
      partitions.length = 0;
      if (target === 'all') for (let p = 0; p < count; p += 1) partitions.push(p);
      // Inputs too go to the partition of their key, as a producer sends them.
      else partitions.push(target ?? partitionOfKey(key, count));
      for (const p of partitions) deliver(topic, type, p, key, value, timestamp ?? clock.now());
    }
    queue.length = 0;
  };
  return {
    send(event: SentEvent): void {
      queue.push(event);
      drain();
    },
    advanceTo(ms: number): void {
      if (ms > clock.now()) clock.set(ms);
      const now = clock.now();
      const fired: [string, number, string, number][] = [];
      for (const list of readers.values()) {
        for (const { processor, topic, states, due } of list) {
          if (due === null) continue;
          fired.length = 0;
          for (const [id, [partition, key, at]] of due) if (at <= now) fired.push([id, partition, key, at]);
          fired.sort((a, b) => a[3] - b[3]);
          for (const [id, partition, key] of fired) {
            const start = collected.length;
            const next = processor.onTimer!(key, states.get(id), { clock, logger, topic, partition, emit });
            states.set(id, next);
            timerOf(processor, due, id, partition, key, next);
            route(start);
          }
        }
      }
      drain();
    },
    take(): Output[] {
      const taken = collected;
      collected = [];
      return taken;
    },
  };
}

/** Records the due time of a state's timer (or that it has none). */
function timerOf(
  processor: AnyProcessor,
  due: Map<string, [number, string, number]>,
  id: string,
  partition: number,
  key: string,
  state: unknown,
): void {
  const at = processor.timer!(state);
  if (at === null) due.delete(id);
  else due.set(id, [partition, key, at]);
}

/** The chain wired by hand. */
function plainChain(processors: readonly AnyProcessor[], events: readonly ChainEvent[]): Stepper {
  const wired = handWired(processors);
  return (from, to) => {
    wired.take();
    for (let n = from; n < to; n += 1) wired.send(events[n]!);
  };
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

/** One side of a comparison: processes records `from` (inclusive) to `to` (exclusive), in order. */
type Stepper = (from: number, to: number) => void;

/** Both sides in lockstep, chunk by chunk, ROUNDS times (see the module comment). */
function compare(records: number, plain: () => Stepper, virtual: () => Stepper): Comparison {
  const plainMs: number[] = [];
  const virtualMs: number[] = [];
  const ratios: number[] = [];
  // Round 0 warms both sides up (the JIT's first compilations) and is not counted.
  for (let r = -1; r < ROUNDS; r += 1) {
    const sides = [plain(), virtual()];
    const spent = [0, 0];
    for (let from = 0, chunk = 0; from < records; from += TALLY_EVERY, chunk += 1) {
      const to = Math.min(records, from + TALLY_EVERY);
      for (let turn = 0; turn < 2; turn += 1) {
        const side = (turn + chunk + r + 2) % 2; // r starts at -1
        const started = cpuMs();
        sides[side]!(from, to);
        spent[side]! += cpuMs() - started;
      }
    }
    if (r < 0) continue;
    plainMs.push(spent[0]!);
    virtualMs.push(spent[1]!);
    ratios.push(spent[1]! / spent[0]!);
  }
  return {
    records,
    plainMs: round(median(plainMs), 1),
    virtualMs: round(median(virtualMs), 1),
    ratio: round(median(ratios), 3),
    rounds: ratios.map((r) => round(r, 3)),
  };
}

/** Drawdown over `marks`, both ways. */
export function compareDrawdown<In, State>(
  create: () => Processor<In, State>,
  marks: readonly In[],
): Comparison {
  return compare(
    marks.length,
    () => plainSteps(create(), marks).step,
    () => {
      const processor = create();
      const runner = new VirtualRunner(processor, { roundTrip: false });
      const topic = processor.inputs[0]!.topic;
      return (from, to) => {
        runner.take();
        for (let i = from; i < to; i += 1) runner.push(topic, marks[i]!);
      };
    },
  );
}

/** The chain of `create()`'s processors over `events`, both ways. */
export async function compareChain(
  create: () => Promise<readonly AnyProcessor[]>,
  events: readonly ChainEvent[],
): Promise<Comparison> {
  const sets = await Promise.all(Array.from({ length: 2 * (ROUNDS + 1) }, create));
  return compare(
    events.length,
    () => plainChain(sets.pop()!, events),
    () => {
      const runner = new VirtualRunner(sets.pop()!, { roundTrip: false });
      return (from, to) => {
        runner.take();
        for (let i = from; i < to; i += 1) {
          const e = events[i]!;
          const partition = partitionOfKey(e.key, partitionsOf(e.topic));
          runner.push(e.topic, e.value, { type: e.type, key: e.key, partition });
        }
      };
    },
  );
}
