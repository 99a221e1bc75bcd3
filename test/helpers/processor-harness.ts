/**
 * Drives a processor in memory exactly as the runtime does (runtime/processor/processor-runner.ts):
 * state per input (topic, partition) and key, `key`/`initialState`/`process` per record, rejections and
 * `late` outputs set aside, and wall-clock timers fired once the (manual) clock reaches them. The state
 * goes through JSON after every record, as it does through the changelog, so a state that does not
 * survive serialization fails here first. `crash()` throws away everything not yet "committed"
 * (see `commit`), as a SIGKILL does.
 */
import { ManualClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import {
  LATE_PREFIX,
  isRejection,
  type Output,
  type Processor,
  type ProcessorInput,
  type RecordSource,
} from '../../runtime/processor/index.ts';
import type { RecordTypeName } from '../../schemas/index.ts';

export interface FeedOptions {
  readonly partition?: number;
  /** The Kafka key; default: none. */
  readonly key?: string | null;
  /** The record type, for an input of several types. Default: the input's (first) type. */
  readonly type?: RecordTypeName;
  /** The Kafka timestamp; default: the clock's now. */
  readonly timestamp?: number;
}

/** What became of one record. */
export interface Fed {
  readonly outputs: Output[];
  /** The rejection message (dead-lettered, or late when it starts with LATE_PREFIX). */
  readonly rejected: string | null;
  /** The `late` reasons emitted (the record went to the `late` side output). */
  readonly late: string[];
}

export interface LateRecord {
  readonly topic: string;
  readonly reason: string;
  readonly record: unknown;
}

export class ProcessorHarness<In, State> {
  readonly processor: Processor<In, State>;
  readonly clock: ManualClock;
  /** Everything emitted, in order (metrics, alerts, rows, records; not `late`). */
  readonly outputs: Output[] = [];
  readonly late: LateRecord[] = [];
  readonly deadLetters: { topic: string; reason: string; record: unknown }[] = [];
  /** Serialized state per `${topic}|${partition}` then key: what the changelog would hold. */
  #stores = new Map<string, Map<string, string>>();
  #committed = new Map<string, Map<string, string>>();
  #offsets = new Map<string, number>();

  constructor(processor: Processor<In, State>, clock: ManualClock = new ManualClock(0)) {
    this.processor = processor;
    this.clock = clock;
  }

  #input(topic: string): ProcessorInput {
    const input = this.processor.inputs.find((i) => i.topic === topic);
    if (!input) throw new Error(`${this.processor.name} does not read ${topic}`);
    return input;
  }

  #store(topic: string, partition: number): Map<string, string> {
    const id = `${topic}|${partition}`;
    let store = this.#stores.get(id);
    if (!store) {
      store = new Map<string, string>();
      this.#stores.set(id, store);
    }
    return store;
  }

  /** Runs one record of `topic` through the processor. */
  feed(topic: string, record: In, options: FeedOptions = {}): Fed {
    const input = this.#input(topic);
    const types = typeof input.type === 'string' ? [input.type] : input.type;
    const type = options.type ?? types[0]!;
    if (!types.includes(type)) throw new Error(`${topic} does not carry ${type}`);
    const partition = options.partition ?? 0;
    const offsetId = `${topic}|${partition}`;
    const offset = this.#offsets.get(offsetId) ?? 0;
    this.#offsets.set(offsetId, offset + 1);
    const source: RecordSource = {
      topic,
      type,
      partition,
      offset: String(offset),
      key: options.key ?? null,
      timestamp: options.timestamp ?? this.clock.now(),
    };
    const store = this.#store(topic, partition);
    const key = this.processor.key(record, source);
    const saved = store.get(key);
    const state =
      saved === undefined ? this.processor.initialState(key, record, source) : (JSON.parse(saved) as State);
    const emitted: Output[] = [];
    const result = this.processor.process(record, state, {
      clock: this.clock,
      logger: silentLogger(),
      source,
      emit: (o) => void emitted.push(o),
    });
    if (isRejection(result)) {
      if (result.reject.startsWith(LATE_PREFIX)) this.late.push({ topic, reason: result.reject, record });
      else this.deadLetters.push({ topic, reason: result.reject, record });
      return { outputs: [], rejected: result.reject, late: [] };
    }
    store.set(key, JSON.stringify(result));
    const late: string[] = [];
    const outputs: Output[] = [];
    for (const o of emitted) {
      if (o.kind === 'late') {
        late.push(o.reason);
        this.late.push({ topic, reason: o.reason, record });
      } else outputs.push(o);
    }
    this.outputs.push(...outputs);
    return { outputs, rejected: null, late };
  }

  /** The state of `key` in `topic`'s partition, as the changelog would restore it. */
  state(topic: string, key: string, partition = 0): State | undefined {
    const saved = this.#stores.get(`${topic}|${partition}`)?.get(key);
    return saved === undefined ? undefined : (JSON.parse(saved) as State);
  }

  /** The due time of every key with a timer, as `${topic}|${partition}|${key}` → epoch ms. */
  timers(): Map<string, number> {
    const due = new Map<string, number>();
    if (!this.processor.timer) return due;
    for (const [id, store] of this.#stores) {
      for (const [key, saved] of store) {
        const at = this.processor.timer(JSON.parse(saved) as State);
        if (at !== null) due.set(`${id}|${key}`, at);
      }
    }
    return due;
  }

  /**
   * Sets the clock to `ms` (never backwards) and fires every due timer as the runtime's tick would
   * (one pass: a timer whose new due time is still not later than now waits for the next call).
   * Returns what the timers emitted.
   */
  advanceTo(ms: number): Output[] {
    if (ms > this.clock.now()) this.clock.set(ms);
    const outputs: Output[] = [];
    const processor = this.processor;
    if (!processor.timer || !processor.onTimer) return outputs;
    for (const [id, store] of this.#stores) {
      const [topic, partition] = [
        id.slice(0, id.lastIndexOf('|')),
        Number(id.slice(id.lastIndexOf('|') + 1)),
      ];
      for (const [key, saved] of [...store]) {
        const state = JSON.parse(saved) as State;
        const at = processor.timer(state);
        if (at === null || at > this.clock.now()) continue;
        const next = processor.onTimer(key, state, {
          clock: this.clock,
          logger: silentLogger(),
          topic,
          partition,
          emit: (o) => {
            if (o.kind === 'late') throw new Error('a timer cannot emit `late`: there is no record');
            outputs.push(o);
          },
        });
        store.set(key, JSON.stringify(next));
      }
    }
    this.outputs.push(...outputs);
    return outputs;
  }

  /** Remembers the current state as committed (a batch's transaction succeeded). */
  commit(): void {
    this.#committed = new Map([...this.#stores].map(([id, store]) => [id, new Map(store)]));
  }

  /** Loses the state since the last `commit` (a SIGKILL), as the changelog restore would. */
  crash(): void {
    this.#stores = new Map([...this.#committed].map(([id, store]) => [id, new Map(store)]));
  }
}
