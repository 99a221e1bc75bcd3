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
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Alert, Metric, RecordTypeName, RecordTypes } from '../../schemas/index.ts';

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
  | { readonly kind: 'row'; readonly row: SinkRow };

export interface ProcessContext {
  /** Wall-clock time (injected). Event time comes from the record, not from here. */
  readonly clock: Clock;
  /** A child logger naming the processor, partition and key. */
  readonly logger: Logger;
  /** Emits an output. Outputs of one batch are produced atomically with its state and offsets. */
  emit(output: Output): void;
}

/** Why a record is rejected: the runtime dead-letters it with this message and goes on. */
export interface Rejection {
  readonly reject: string;
}

export interface Processor<In, State> {
  /** Stable name: the consumer group, the changelog topic and the logs use it. kebab-case. */
  readonly name: string;
  /** The topic it reads (logical name) and the record type on it. */
  readonly input: { readonly topic: string; readonly type: RecordTypeName };
  /** The state key of a record; a function of the record's Kafka key (see terminology). */
  key(record: In): string;
  /** The state of a key seen for the first time. */
  initialState(key: string, record: In): State;
  /**
   * Handles one record: returns the key's next state, or a Rejection for a record that fails
   * validation (dead-lettered, state unchanged). May mutate and return `state`.
   */
  process(record: In, state: State, context: ProcessContext): State | Rejection;
}

/** A processor over one of our record types. */
export type ProcessorOf<N extends RecordTypeName, State> = Processor<RecordTypes[N], State>;

/**
 * A rejection whose message starts with this is a record that arrived later than its processor's grace
 * period: the runtime dead-letters it as TW_RECORD_LATE; other rejections are TW_RECORD_INVALID.
 */
export const LATE_PREFIX = 'late:';

export function isRejection(value: unknown): value is Rejection {
  return (
    typeof value === 'object' && value !== null && typeof (value as { reject?: unknown }).reject === 'string'
  );
}
