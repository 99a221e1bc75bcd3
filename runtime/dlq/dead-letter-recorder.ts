/**
 * The dead-letter recorder (`dead-letters` among `tradewatch run`'s processors): reads the `dlq` and
 * `late` side outputs in its consumer group (`<prefix>tradewatch.dead-letters`, read-committed, so
 * only dead letters of committed batches) and writes one `dead_letters` row per record, from its
 * headers (sinks/questdb/telemetry-tables.ts): which output, the source topic, partition and offset,
 * the error code, who sent it. Never the record's key or value, nor the error message, which may
 * quote the record's fields (`tradewatch dlq list` shows it).
 *
 * Not a processor: processors see decoded records, and these are someone else's bytes with their
 * meaning in headers. Delivery: a batch's rows are flushed (a QuestDB outage waited out with backoff
 * and heartbeats) before the consumer commits its offsets, so at-least-once; the table deduplicates on
 * the record's place on the side output, so a batch read again writes nothing twice.
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import { isRetriableError, retry } from '../../core/retry.ts';
import type { Logger } from '../../core/logger.ts';
import { DEAD_LETTER_HEADERS, physicalName, processorGroup } from '../../topics/index.ts';
import { DEAD_LETTERS } from '../../processors/catalogue.ts';
import type { BatchContext, IncomingRecord, KafkaClient, KafkaConsumer } from '../kafka/index.ts';
import { startOrClose } from '../lifecycle.ts';
import type { RowSink, SinkRow } from '../../processors/contract.ts';

/** Its name among the processors (processors/catalogue.ts), and its consumer group's last part. */
export const DEAD_LETTER_RECORDER = DEAD_LETTERS;

export interface DeadLetterRecorderOptions {
  readonly kafka: KafkaClient;
  /** Where the `dead_letters` rows go (the environment's namespace). */
  readonly sink: RowSink;
  readonly logger: Logger;
  /** TOPIC_PREFIX. Default ''. */
  readonly topicPrefix?: string;
  /** See ConsumerOptions.sessionTimeoutMs. Default 10000 ms. */
  readonly sessionTimeoutMs?: number;
  /** For the length of a QuestDB outage in the logs. Default the system clock. */
  readonly clock?: Clock;
  /** First wait before retrying a failed flush; doubles up to 5 s. Default 200 ms. */
  readonly retryInitialMs?: number;
}

/** The `dead_letters` row of a record read from the side output `output` (`dlq` or `late`). */
export function deadLetterRow(output: 'dlq' | 'late', record: IncomingRecord, topicPrefix: string): SinkRow {
  const header = (name: string): string | undefined => record.headers[name]?.toString('utf8');
  const integer = (text: string | undefined): number | null => {
    const n = text === undefined || !/^\d+$/.test(text) ? NaN : Number(text);
    return Number.isSafeInteger(n) ? n : null;
  };
  const sourceTopic = header(DEAD_LETTER_HEADERS.sourceTopic) || '(unknown)';
  const failedAt = integer(header(DEAD_LETTER_HEADERS.failedAt));
  const sourcePartition = integer(header(DEAD_LETTER_HEADERS.sourcePartition));
  return {
    table: 'dead_letters',
    // When it failed; a letter without the header (produced by hand) counts when it reached the output.
    ts: failedAt !== null && failedAt > 0 ? failedAt : record.timestamp,
    symbols: {
      output,
      source_topic:
        topicPrefix !== '' && sourceTopic.startsWith(topicPrefix)
          ? sourceTopic.slice(topicPrefix.length)
          : sourceTopic,
      code: header(DEAD_LETTER_HEADERS.errorCode) || '(none)',
      failed_by: header(DEAD_LETTER_HEADERS.failedBy) || '(unknown)',
    },
    columns: {
      source_partition: sourcePartition !== null && sourcePartition <= 2_147_483_647 ? sourcePartition : null,
      source_offset: integer(header(DEAD_LETTER_HEADERS.sourceOffset)),
      output_partition: record.partition,
      output_offset: integer(record.offset),
      record_ts: record.timestamp,
    },
  };
}

export class DeadLetterRecorder {
  readonly #o: Required<DeadLetterRecorderOptions>;
  readonly #log: Logger;
  readonly #topics: { readonly dlq: string; readonly late: string };
  readonly #fatal = Promise.withResolvers<never>();
  #consumer: KafkaConsumer | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  #recorded = 0;

  private constructor(options: DeadLetterRecorderOptions) {
    this.#o = {
      topicPrefix: '',
      sessionTimeoutMs: 10_000,
      clock: systemClock,
      retryInitialMs: 200,
      ...options,
    };
    this.#log = options.logger.child({ processor: DEAD_LETTER_RECORDER });
    const prefix = this.#o.topicPrefix;
    this.#topics = { dlq: physicalName('dlq', prefix), late: physicalName('late', prefix) };
    this.#fatal.promise.catch(() => undefined);
  }

  /** Joins the group and starts recording. */
  static start(options: DeadLetterRecorderOptions): Promise<DeadLetterRecorder> {
    const recorder = new DeadLetterRecorder(options);
    return startOrClose(recorder, () => recorder.#start());
  }

  /** Rejects when the recorder can no longer make progress (its consumer gave up); never resolves. */
  get failed(): Promise<never> {
    return this.#fatal.promise;
  }

  /** Rows recorded (flushed) since the start. */
  get recorded(): number {
    return this.#recorded;
  }

  /** Stops fetching, lets the batch in hand finish (flushed and committed), leaves the group. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopping = true;
      await this.#consumer?.close();
      this.#log.info({ recorded: this.#recorded }, `${DEAD_LETTER_RECORDER} stopped`);
    })();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const group = processorGroup(DEAD_LETTER_RECORDER, this.#o.topicPrefix);
    this.#consumer = await this.#o.kafka.consumer({
      groupId: group,
      topics: [this.#topics.dlq, this.#topics.late],
      fromBeginning: true,
      // Offsets are committed once the batch handler resolved: after its rows were flushed.
      autoCommit: true,
      sessionTimeoutMs: this.#o.sessionTimeoutMs,
    });
    await this.#consumer.run((records, batch) => this.#onBatch(records, batch), {
      onFatal: (error) => this.#fatal.reject(error),
    });
    this.#log.info(
      { group, inputs: [this.#topics.dlq, this.#topics.late] },
      `${DEAD_LETTER_RECORDER} started`,
    );
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    const output = batch.topic === this.#topics.dlq ? 'dlq' : 'late';
    if (records.length === 0) return;
    this.#o.sink.write(records.map((r) => deadLetterRow(output, r, this.#o.topicPrefix)));
    let since: number | undefined;
    const { clock } = this.#o;
    await retry(() => this.#o.sink.flush(), {
      initialMs: this.#o.retryInitialMs,
      maxMs: 5000,
      retryIf: (error) => isRetriableError(error) && !this.#stopping && batch.isActive(),
      onRetry: (error) => {
        if (since !== undefined) return;
        since = clock.now();
        this.#log.warn({ err: error }, 'QuestDB is unavailable: dead letters are recorded once it is back');
      },
      beforeRetry: async () => batch.heartbeat(),
    });
    if (since !== undefined) this.#log.info({ outageMs: clock.now() - since }, 'QuestDB is back');
    this.#recorded += records.length;
  }
}
