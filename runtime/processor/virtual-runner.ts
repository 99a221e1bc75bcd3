/**
 * The virtual runner: processors in memory, run as the live runtime (processor-runner.ts) runs them,
 * without Kafka, on a virtual clock. The one way to run a processor outside Kafka: the tests, the rule
 * tests, the benchmarks and the backtests all run on it.
 *
 * As live:
 * - state per processor, input (topic, partition) and key (a PartitionState, the live store), a key's
 *   `initialState` the first time it is seen;
 * - a Rejection dead-letters the record, or sends it to the `late` side output when its message starts
 *   with LATE_PREFIX (a `late` output does too, the state being kept); a rejected record's outputs are
 *   dropped;
 * - timers fire once the clock reaches them (`advanceTo`): per store, the due keys earliest first, in
 *   one pass;
 * - wiring (option `wire`): an output is fed, after the record that emitted it, to every processor of the
 *   runner that reads its topic (the emitter included: baseline reads its own PnL points back): a
 *   `metric` to `metrics` keyed by its series, an `alert` to `alerts` keyed by its fingerprint, a
 *   `record` to its topic; in the partition the producer would pick (the output's own, murmur2 of the
 *   key, or every partition of the topic for `'all'`); one record at a time, in emission order;
 * - `commit` writes the changed states to a virtual changelog, encoded as the live one; `crash` rebuilds the stores from
 *   it, as a restart after a SIGKILL does.
 * Unlike live, a processor that throws makes the runner throw (live dead-letters the record, a bug):
 * here it is a failing test or backtest rather than a record set aside.
 *
 * Speed: a backtest replays history on it, so the record path allocates no closure, no context and no
 * copy of an output; `push` and `feedAll` build no per-record result. With `roundTrip` off (the
 * benchmarks, backtests), states stay objects between records as the live runner keeps them in memory,
 * and only `commit` serializes them, as the live changelog write does. `npm run bench` (phase 2)
 * measures it against a plain loop: within 1.2× is the target.
 */
import { ManualClock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import type { Alert, Metric, RecordTypeName } from '../../schemas/index.ts';
import { seriesKey } from '../../topics/catalogue.ts';
import { partitionOfKey, partitionsOf } from '../../topics/partition-of.ts';
import { PartitionState } from './state-store.ts';
import {
  LATE_PREFIX,
  isRejection,
  type Output,
  type Processor,
  type RecordSource,
  type SinkRow,
} from '../../processors/contract.ts';

export interface VirtualRunnerOptions {
  /** The wall clock of the processors and timers; `advanceTo` moves it. Default: a ManualClock at 0. */
  readonly clock?: ManualClock;
  /** The processors' logger. Default: silent. */
  readonly logger?: Logger;
  /**
   * Round-trips every new state through JSON, as the changelog and a restore would, so a state that does
   * not survive serialization fails at once. Default true (tests); off, states are serialized only by
   * `commit` (the benchmarks and backtests: the speed of a plain loop).
   */
  readonly roundTrip?: boolean;
  /**
   * Feeds outputs to the processors that read their topic (see the module comment). Default: true for a
   * list of processors, false for one processor given alone (a unit test drives its inputs itself).
   */
  readonly wire?: boolean;
}

export interface FeedOptions {
  /** Default 0. */
  readonly partition?: number;
  /** The Kafka key; default: none. */
  readonly key?: string | null;
  /** The record type, for an input of several types. Default: the input's (first) type. */
  readonly type?: RecordTypeName;
  /** The Kafka timestamp; default: the clock's now. */
  readonly timestamp?: number;
}

/** What became of one fed record. */
export interface Fed {
  /** What it (and, wired, what it led to) emitted, `late` aside. */
  readonly outputs: Output[];
  /** The rejection message (dead-lettered, or late when it starts with LATE_PREFIX). */
  readonly rejected: string | null;
  /** The `late` reasons emitted (the record went to the `late` side output). */
  readonly late: string[];
}

/** A record set aside: dead-lettered, or sent to the `late` side output. */
export interface SetAside {
  readonly topic: string;
  readonly reason: string;
  readonly record: unknown;
}

type AnyProcessor = Processor<unknown, unknown>;

/** One input of one processor, with its stores by partition. */
interface Reader {
  readonly stage: Stage;
  readonly topic: string;
  readonly types: readonly RecordTypeName[];
  readonly stores: (PartitionState<unknown> | undefined)[];
}

interface Stage {
  readonly processor: AnyProcessor;
  readonly readers: Map<string, Reader>;
  /** Every store, in creation order (timers fire in this order), by `${topic}|${partition}`. */
  readonly stores: Map<string, { reader: Reader; partition: number; store: PartitionState<unknown> }>;
  /** The virtual changelog: `${topic}|${partition}` → key → the state's changelog bytes. */
  readonly changelog: Map<string, Map<string, Buffer>>;
}

/** A topic some processor of the runner reads: its readers, and the next offset of each partition. */
interface Topic {
  readonly name: string;
  readonly readers: Reader[];
  readonly offsets: number[];
  partitions: number | undefined;
}

interface Queued {
  readonly topic: Topic;
  readonly type: RecordTypeName;
  readonly key: string;
  readonly value: unknown;
  readonly partition: number;
}

const NONE: FeedOptions = Object.freeze({});

/** A RecordSource the runner sets to each record in turn. */
/**
 * The one source object a runner hands its processors, updated for each record: one hidden class, and
 * the offset turned to text only when a processor reads it (few do), not for every record.
 */
class RunnerSource implements RecordSource {
  topic = '';
  type: RecordTypeName = 'Metric';
  partition = 0;
  key: string | null = null;
  timestamp = 0;
  /** The record's offset in its partition. */
  position = 0;
  get offset(): string {
    return String(this.position);
  }
}

const copy = <T>(state: T): T => JSON.parse(JSON.stringify(state)) as T;

export class VirtualRunner<In = unknown, State = unknown> {
  readonly clock: ManualClock;
  /** Everything emitted, in order (metrics, alerts, rows, records; not `late`), since the last `take`. */
  outputs: Output[] = [];
  readonly late: SetAside[] = [];
  readonly deadLetters: SetAside[] = [];
  readonly #logger: Logger;
  readonly #roundTrip: boolean;
  readonly #wire: boolean;
  readonly #stages: Stage[];
  /** The topics the processors read. */
  readonly #topics = new Map<string, Topic>();
  readonly #queue: Queued[] = [];
  /** The record being processed (for `late` outputs). */
  #record: unknown;
  /**
   * The context of `process`: one object per runner, its source set to each record in turn, so the
   * record path allocates no object of its own (a processor, a pure function of its arguments, keeps
   * no source past its call). Shaped as the plain objects a hand-written loop passes.
   */
  readonly #context: {
    clock: ManualClock;
    logger: Logger;
    source: RunnerSource;
    emit(output: Output): void;
  };
  /** The reasons of the `late` outputs of the record being fed. */
  readonly #lateReasons: string[] = [];

  constructor(
    processors: Processor<In, State> | readonly AnyProcessor[],
    options: VirtualRunnerOptions = {},
  ) {
    const list = (Array.isArray(processors) ? processors : [processors]) as readonly AnyProcessor[];
    this.clock = options.clock ?? new ManualClock(0);
    this.#logger = options.logger ?? silentLogger();
    this.#roundTrip = options.roundTrip ?? true;
    this.#wire = options.wire ?? Array.isArray(processors);
    const source = new RunnerSource();
    this.#context = { clock: this.clock, logger: this.#logger, source, emit: this.#emit };
    this.#stages = list.map((processor) => {
      const stage: Stage = { processor, readers: new Map(), stores: new Map(), changelog: new Map() };
      for (const input of processor.inputs) {
        const types = typeof input.type === 'string' ? [input.type] : input.type;
        const reader: Reader = { stage, topic: input.topic, types, stores: [] };
        stage.readers.set(input.topic, reader);
        const topic = this.#topics.get(input.topic);
        if (topic) topic.readers.push(reader);
        else
          this.#topics.set(input.topic, {
            name: input.topic,
            readers: [reader],
            offsets: [],
            partitions: undefined,
          });
      }
      return stage;
    });
  }

  /** The (first) processor. */
  get processor(): Processor<In, State> {
    return this.#stages[0]!.processor as Processor<In, State>;
  }

  /** Runs one record of `topic` through the processors that read it (and, wired, what follows). */
  feed(topic: string, record: In, options: FeedOptions = NONE): Fed {
    const start = this.outputs.length;
    const rejected = this.push(topic, record, options);
    return { outputs: this.outputs.slice(start), rejected, late: [...this.#lateReasons] };
  }

  /** `feed` without a result: returns the rejection message, if any (the fast path). */
  push(topic: string, record: In, options: FeedOptions = NONE): string | null {
    const target = this.#topicOf(topic);
    const { readers } = target;
    const types = readers[0]!.types;
    const type = options.type ?? types[0]!;
    if (options.type !== undefined && !types.includes(type))
      throw new Error(`${topic} does not carry ${type}`);
    if (this.#lateReasons.length > 0) this.#lateReasons.length = 0;
    const partition = options.partition ?? 0;
    const source = this.#source(target, topic, type, partition, options.key ?? null, options.timestamp);
    let rejected: string | null = null;
    for (let i = 0; i < readers.length; i += 1) rejected = this.#run(readers[i]!, record, source) ?? rejected;
    if (this.#wire && this.#queue.length > 0) this.#drain();
    return rejected;
  }

  /** Pushes records of `topic` in order, with the same options. */
  feedAll(topic: string, records: Iterable<In>, options: FeedOptions = NONE): void {
    for (const record of records) this.push(topic, record, options);
  }

  /** The state of `key` in `topic`'s partition, as the changelog would restore it. */
  state(topic: string, key: string, partition = 0, processor?: string): State | undefined {
    const state = this.#reader(topic, processor).stores[partition]?.get(key);
    return state === undefined ? undefined : copy(state as State);
  }

  /** The due time of every key with a timer, as `${topic}|${partition}|${key}` → epoch ms. */
  timers(processor?: string): Map<string, number> {
    const stage = this.#stage(processor);
    const due = new Map<string, number>();
    const timer = stage.processor.timer?.bind(stage.processor);
    if (!timer) return due;
    for (const [id, { store }] of stage.stores) {
      for (const key of store.dueKeys(Infinity)) due.set(`${id}|${key}`, timer(store.get(key)) as number);
    }
    return due;
  }

  /**
   * Sets the clock to `ms` (never backwards) and fires every due timer as the runtime's tick would (one
   * pass: a timer whose new due time is still not later than now waits for the next call). Returns what
   * the timers (and, wired, what they led to) emitted.
   */
  advanceTo(ms: number): Output[] {
    if (ms > this.clock.now()) this.clock.set(ms);
    const now = this.clock.now();
    const start = this.outputs.length;
    for (const { processor, stores } of this.#stages) {
      if (!processor.timer || !processor.onTimer) continue;
      for (const { reader, partition, store } of stores.values()) {
        for (const key of store.dueKeys(now)) {
          const state = store.get(key);
          if (state === undefined) continue;
          const before = this.outputs.length;
          const context = { clock: this.clock, logger: this.#logger, topic: reader.topic, partition };
          const next = processor.onTimer(key, state, { ...context, emit: this.#timerEmit });
          store.set(key, this.#roundTrip ? copy(next) : next);
          if (this.#wire) this.#routeFrom(before);
        }
      }
    }
    if (this.#wire) this.#drain();
    return this.outputs.slice(start);
  }

  /** Remembers the current states as committed: writes the changed ones to the virtual changelog. */
  commit(): void {
    for (const stage of this.#stages) {
      for (const [id, { store }] of stage.stores) {
        let log = stage.changelog.get(id);
        if (!log) stage.changelog.set(id, (log = new Map<string, Buffer>()));
        for (const change of store.takeChanges()) {
          if (change.value === null) log.delete(change.key);
          else log.set(change.key, change.value);
        }
      }
    }
  }

  /** Loses the states since the last `commit` (a SIGKILL): restores every store from the changelog. */
  crash(): void {
    for (const stage of this.#stages) {
      stage.stores.clear();
      for (const reader of stage.readers.values()) reader.stores.length = 0;
      for (const [id, log] of stage.changelog) {
        const bar = id.lastIndexOf('|');
        const reader = stage.readers.get(id.slice(0, bar))!;
        const store = this.#newStore(reader, Number(id.slice(bar + 1)));
        for (const [key, bytes] of log) store.restore(key, bytes);
      }
    }
  }

  /** The metric points emitted. */
  metrics(): Metric[] {
    return this.outputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));
  }

  /** The alerts emitted. */
  alerts(): Alert[] {
    return this.outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
  }

  /** The sink rows emitted. */
  rows(): SinkRow[] {
    return this.outputs.flatMap((o) => (o.kind === 'row' ? [o.row] : []));
  }

  /** Returns the outputs collected so far and forgets them (a long run keeps its memory flat). */
  take(): Output[] {
    const taken = this.outputs;
    this.outputs = [];
    return taken;
  }

  #stage(name: string | undefined): Stage {
    const stage = name === undefined ? this.#stages[0] : this.#stages.find((s) => s.processor.name === name);
    if (!stage) throw new Error(`the virtual runner has no processor ${name}`);
    return stage;
  }

  #reader(topic: string, processor: string | undefined): Reader {
    const stage = this.#stage(processor);
    const reader = stage.readers.get(topic);
    if (!reader) throw new Error(`${stage.processor.name} does not read ${topic}`);
    return reader;
  }

  #topicOf(topic: string): Topic {
    const target = this.#topics.get(topic);
    if (target === undefined) {
      const names = this.#stages.map((s) => s.processor.name).join(', ');
      throw new Error(`${names} does not read ${topic}`);
    }
    return target;
  }

  #newStore(reader: Reader, partition: number): PartitionState<unknown> {
    const { processor, stores } = reader.stage;
    const store = new PartitionState<unknown>(partition, processor.timer?.bind(processor));
    reader.stores[partition] = store;
    stores.set(`${reader.topic}|${partition}`, { reader, partition, store });
    return store;
  }

  /** Sets the source (and the context) to the next record of `topic`'s `partition`. */
  #source(
    { offsets }: Topic,
    name: string,
    type: RecordTypeName,
    partition: number,
    key: string | null,
    timestamp: number | undefined,
  ): RecordSource {
    const source = this.#context.source;
    const offset = offsets[partition] ?? 0;
    offsets[partition] = offset + 1;
    source.position = offset;
    source.topic = name;
    source.type = type;
    source.partition = partition;
    source.key = key;
    source.timestamp = timestamp ?? this.clock.now();
    return source;
  }

  readonly #emit = (output: Output): void => {
    if (output.kind !== 'late') this.outputs.push(output);
    else {
      this.late.push({ topic: this.#context.source.topic, reason: output.reason, record: this.#record });
      this.#lateReasons.push(output.reason);
    }
  };

  readonly #timerEmit = (output: Output): void => {
    if (output.kind === 'late') throw new Error('a timer cannot emit `late`: there is no record');
    this.outputs.push(output);
  };

  /** One record through one processor; returns the rejection message, if any. */
  #run(reader: Reader, record: unknown, source: RecordSource): string | null {
    const { processor } = reader.stage;
    const store = reader.stores[source.partition] ?? this.#newStore(reader, source.partition);
    const key = processor.key(record, source);
    const start = this.outputs.length;
    const lateStart = this.late.length;
    const reasonsStart = this.#lateReasons.length;
    this.#record = record;
    const slot = store.slot(key);
    const state = slot?.state ?? processor.initialState(key, record, source);
    const result = processor.process(record, state, this.#context);
    if (isRejection(result)) {
      this.outputs.length = start;
      this.late.length = lateStart;
      this.#lateReasons.length = reasonsStart;
      const aside = { topic: source.topic, reason: result.reject, record };
      (result.reject.startsWith(LATE_PREFIX) ? this.late : this.deadLetters).push(aside);
      return result.reject;
    }
    const next = this.#roundTrip ? copy(result) : result;
    if (slot === undefined) store.insert(key, next);
    else store.update(slot, next);
    if (this.#wire) this.#routeFrom(start);
    return null;
  }

  /** Queues the outputs from `start` on for the processors that read their topic. */
  #routeFrom(start: number): void {
    for (let i = start; i < this.outputs.length; i += 1) {
      const output = this.outputs[i]!;
      if (output.kind === 'metric') {
        if (!this.#topics.has('metrics')) continue;
        const { name, labels } = output.metric;
        this.#enqueue('metrics', 'Metric', seriesKey(name, labels), output.metric, undefined);
      } else if (output.kind === 'alert') {
        this.#enqueue('alerts', 'Alert', output.alert.fingerprint, output.alert, undefined);
      } else if (output.kind === 'record') {
        this.#enqueue(output.topic, output.type, output.key, output.value, output.partition);
      }
    }
  }

  #enqueue(
    topic: string,
    type: RecordTypeName,
    key: string,
    value: unknown,
    partition: number | 'all' | undefined,
  ): void {
    const target = this.#topics.get(topic);
    if (target === undefined) return;
    const count = (target.partitions ??= partitionsOf(topic));
    if (partition !== 'all') {
      this.#queue.push({
        topic: target,
        type,
        key,
        value,
        partition: partition ?? partitionOfKey(key, count),
      });
    } else
      for (let p = 0; p < count; p += 1) this.#queue.push({ topic: target, type, key, value, partition: p });
  }

  /** Delivers the queued records (and what they emit) in order. */
  #drain(): void {
    const queue = this.#queue;
    for (let i = 0; i < queue.length; i += 1) {
      const { topic, type, key, value, partition } = queue[i]!;
      const source = this.#source(topic, topic.name, type, partition, key, undefined);
      for (const reader of topic.readers) this.#run(reader, value, source);
    }
    queue.length = 0;
  }
}
