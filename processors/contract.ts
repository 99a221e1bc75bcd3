/**
 * The processor contract. A processor is pure: given a decoded record, the state of the record's key and
 * a context (clock, logger, emit), it returns the key's next state and emits outputs (metric points,
 * records for other topics, sink rows). It never does I/O: the runtime (runtime/processor/) consumes,
 * decodes, dead-letters, runs the processor, produces the outputs, writes the sink rows, keeps the state
 * durable and commits. The same processors run live and in backtests, on a virtual clock.
 *
 * Terminology:
 * - input record: one decoded value of the processor's input topic;
 * - key: the state key of a record; it must be a function of the record's Kafka key, so that a key's
 *   state lives in the same partition as its records and moves with that partition on a rebalance;
 * - state: a JSON-serializable value per key (plain objects, arrays, numbers, strings, booleans, null),
 *   written to the processor's changelog after every batch and restored on partition assignment;
 * - event time: the time a record says it happened (its `ts`), as opposed to the clock's wall time.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Alert, Metric, RecordTypeName, RecordTypes } from '../schemas/index.ts';

/** A row for a time-series table (QuestDB): symbols are indexed low-cardinality strings. */
export interface SinkRow {
  /** Table name, e.g. `drawdown`. The table must be declared in sinks/questdb/tables.ts. */
  readonly table: string;
  /** Designated timestamp, epoch ms (event time). */
  readonly ts: number;
  /** SYMBOL columns. */
  readonly symbols: Readonly<Record<string, string>>;
  /** Other columns: numbers are DOUBLE unless the table declares LONG/INT; strings are VARCHAR; null leaves the column empty. */
  readonly columns: Readonly<Record<string, number | string | boolean | null>>;
}

/**
 * Where sink rows go (QuestDB in production). The runtime writes a batch's rows, then flushes, and
 * commits the batch's offsets only after the flush succeeded; writes must be idempotent (a replay after
 * a crash writes the same rows again).
 */
export interface RowSink {
  /** Buffers rows; throws (never retriable) for a row that can never be written. */
  write(rows: readonly SinkRow[]): void;
  /** Sends every buffered row; on failure keeps them for the next flush and throws (retriable if transient). */
  flush(): Promise<void>;
  /** Flushes and releases; idempotent. */
  close(): Promise<void>;
}

/** What a processor can emit. The runtime routes each kind. */
export type Output =
  /** A point on the `metrics` topic (key: name + sorted labels). */
  | { readonly kind: 'metric'; readonly metric: Metric }
  /** An alert state change on the `alerts` topic (key: fingerprint). */
  | { readonly kind: 'alert'; readonly alert: Alert }
  /** A row for the time-series store. */
  | { readonly kind: 'row'; readonly row: SinkRow }
  /**
   * A record for another topic of the catalogue (e.g. an internal repartition topic), encoded as
   * `type`. `partition`: default, chosen from `key` (murmur2, as the Java client); a number, that
   * partition; `'all'`, one copy to every partition of the topic (a broadcast, e.g. a watermark).
   */
  | {
      readonly kind: 'record';
      readonly topic: string;
      readonly key: string;
      readonly type: RecordTypeName;
      readonly value: unknown;
      readonly partition?: number | 'all';
    }
  /**
   * Sends the record being processed to the `late` side output with `reason` (it arrived after its
   * window or cycle was closed) while the processor still returns a new state (e.g. to count it).
   * Only valid inside `process`. To route a late record without changing state, return a Rejection
   * whose message starts with LATE_PREFIX instead.
   */
  | { readonly kind: 'late'; readonly reason: string };

/** Where the record being processed came from. */
export interface RecordSource {
  /** Logical topic name (without TOPIC_PREFIX). */
  readonly topic: string;
  /** The record type it was decoded as (one of its input's types). */
  readonly type: RecordTypeName;
  readonly partition: number;
  readonly offset: string;
  /** The record's Kafka key as UTF-8, null when it has none. */
  readonly key: string | null;
  /** The record's Kafka timestamp, epoch ms. */
  readonly timestamp: number;
}

export interface ProcessContext {
  /** Wall-clock time (injected). Event time comes from the record, not from here. */
  readonly clock: Clock;
  /** A child logger naming the processor, partition and key. */
  readonly logger: Logger;
  /** Where the record came from. */
  readonly source: RecordSource;
  /** Emits an output. Outputs of one batch are produced atomically with its state and offsets. */
  emit(output: Output): void;
}

/** The context of a wall-clock timer firing (no record: silence is what fires it). */
export interface TimerContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The logical input topic and partition whose state holds the key. */
  readonly topic: string;
  readonly partition: number;
  /** Emits an output (not `late`). Committed atomically with the key's new state. */
  emit(output: Output): void;
}

/** Why a record is rejected: the runtime dead-letters it with this message and goes on. */
export interface Rejection {
  readonly reject: string;
}

/** One topic a processor reads. */
export interface ProcessorInput {
  /** Logical topic name (a catalogue topic). */
  readonly topic: string;
  /**
   * The record type on it; a list for a topic that carries several types (an internal repartition
   * topic), each record being decoded by its writer schema's fingerprint.
   */
  readonly type: RecordTypeName | readonly RecordTypeName[];
  /**
   * The processor's main input, whose state keeps the changelog name of a single-input processor
   * (`tradewatch.<processor>.changelog`) however many other inputs the processor has. For a processor
   * whose inputs depend on its configuration (the rules processor reads `metrics` plus the topics its
   * rules over records name): adding or removing an input must not move the main input's state to a new,
   * empty changelog. At most one input; default false (each input of a processor of several has
   * `tradewatch.<processor>.<topic>.changelog`).
   */
  readonly primary?: boolean;
}

/** A key watched before its first record: the input topic and the Kafka key its records will carry. */
export interface ExpectedKey {
  /** Logical topic name (one of the processor's inputs). */
  readonly topic: string;
  /** The Kafka key its records will carry (so the partition they land in). */
  readonly key: string;
}

/**
 * A stream processor.
 *
 * State lives per input partition (a "task", as Kafka Streams calls it): the state of a key read from
 * topic T partition p is kept in T's changelog partition p and restored with it. So a key must only
 * ever be produced from records of one partition of one topic: a function of the record's Kafka key
 * (and its topic), or a key scoped to the partition (e.g. `watermark|<partition>`).
 *
 * Timers: a processor that must act on silence implements `timer` and `onTimer`. The runtime asks
 * `timer(state)` after every change of a key's state (and after a restore) and calls `onTimer` once the
 * wall clock reaches that time; the new state and the outputs are committed in one transaction. As the
 * due time is part of the state, timers are as durable as the state: after a crash a due timer whose
 * firing was not committed fires again (once), and one whose firing was committed does not.
 */
export interface Processor<In, State> {
  /** Stable name: the consumer group, the changelog topic and the logs use it. kebab-case. */
  readonly name: string;
  /** The topics it reads (logical names) and the record types on them. At least one. */
  readonly inputs: readonly ProcessorInput[];
  /** The state key of a record (see the partitioning rule above). */
  key(record: In, source: RecordSource): string;
  /** The state of a key seen for the first time. */
  initialState(key: string, record: In, source: RecordSource): State;
  /**
   * Handles one record: returns the key's next state, or a Rejection for a record that fails
   * validation (dead-lettered, state unchanged). May mutate and return `state`.
   */
  process(record: In, state: State, context: ProcessContext): State | Rejection;
  /** When (wall clock, epoch ms) `onTimer` must be called for this state; null for never. */
  timer?(state: State): number | null;
  /**
   * Called once the wall clock reached `timer(state)`. Returns the key's next state, whose `timer`
   * must be later than now or null (otherwise it fires again on the next tick). May mutate `state`.
   */
  onTimer?(key: string, state: State, context: TimerContext): State;
  /**
   * Keys that must have a state before any record comes (sources declared in configuration, whose
   * silence from the start is news): once the partition an expected key's records land in (murmur2 of
   * the Kafka key, as producers pick it) is restored and caught up, the runtime creates the state
   * with `expectedState` if the key has none, and commits it; its timer then runs as any key's. A
   * processor with timers only. The virtual runner does not create them (a backtest replays records).
   */
  readonly expected?: readonly ExpectedKey[];
  /** The state key and state of an expected key no record has created yet, at `now` (wall clock). */
  expectedState?(expected: ExpectedKey, now: number): { readonly key: string; readonly state: State };
}

/** A processor over one of our record types. */
export type ProcessorOf<N extends RecordTypeName, State> = Processor<RecordTypes[N], State>;

/**
 * A rejection whose message starts with this is a record that arrived later than its processor's grace
 * period: the runtime routes it to the `late` side output (TW_RECORD_LATE) instead of dead-lettering it
 * as TW_RECORD_INVALID, as it does other rejections.
 */
export const LATE_PREFIX = 'late:';

export function isRejection(value: unknown): value is Rejection {
  return (
    typeof value === 'object' && value !== null && typeof (value as { reject?: unknown }).reject === 'string'
  );
}

/**
 * A record source for running a processor outside Kafka (benchmarks, backtests, tests): the first type
 * of `input`, partition 0, the given offset, no key.
 */
export function inMemorySource(input: ProcessorInput, offset = 0, timestamp = 0): RecordSource {
  const type = typeof input.type === 'string' ? input.type : input.type[0]!;
  return { topic: input.topic, type, partition: 0, offset: String(offset), key: null, timestamp };
}
