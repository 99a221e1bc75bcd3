/**
 * Runs one processor: consumes its input topic in a consumer group, decodes, dead-letters what cannot
 * be decoded or is rejected, runs the processor per record with the record's keyed state, writes sink
 * rows and flushes them, then commits — in ONE Kafka transaction — the batch's outputs, the changed
 * state (changelog) and the input offsets. Nothing is committed before Kafka acknowledged the outputs
 * and the sink flushed: at-least-once towards the sink (whose writes are idempotent), and exactly the
 * outputs of an uninterrupted run towards Kafka's read-committed consumers.
 *
 * Failure handling: a batch that fails anywhere is aborted, its partition's in-memory state dropped,
 * and the error thrown, so the Kafka client delivers the same records again, after the partition's
 * state was restored from its changelog (see state-store.ts). A sink outage is waited out in place
 * (with backoff and heartbeats), without committing, until it ends or the runner stops.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecodeError, TradewatchError, errorCode, isRetriable, toError } from '../errors.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import {
  readToEnd,
  type BatchContext,
  type IncomingRecord,
  type KafkaAdmin,
  type KafkaConsumer,
  type KafkaProducer,
  type OutgoingRecord,
} from '../kafka/index.ts';
import type { Codec } from '../../schemas/index.ts';
import {
  changelogTopic,
  deadLetterHeaders,
  physicalName,
  processorGroup,
  seriesKey,
} from '../../topics/index.ts';
import { PartitionState } from './state-store.ts';
import type { RunnerOptions } from './runner-options.ts';
import { LATE_PREFIX, isRejection, type Output, type ProcessContext, type SinkRow } from './types.ts';

/** Largest record (one key's state) the changelog topic accepts: 16 MiB. */
const CHANGELOG_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Counters of one runner since it started. */
export interface RunnerStats {
  readonly records: number;
  readonly deadLettered: number;
  readonly batches: number;
  readonly restoredKeys: number;
}

export class ProcessorRunner<In, State> {
  readonly #options: RunnerOptions<In, State>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #inputTopic: string;
  readonly #changelog: string;
  readonly #groupId: string;
  readonly #codec: Codec<In>;
  readonly #stores = new Map<number, Promise<PartitionState<State>>>();
  readonly #fatal = Promise.withResolvers<never>();
  #admin: KafkaAdmin | undefined;
  #producer: KafkaProducer | undefined;
  #transactionalId = '';
  #consumer: KafkaConsumer | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  #stats = { records: 0, deadLettered: 0, batches: 0, restoredKeys: 0 };

  private constructor(options: RunnerOptions<In, State>) {
    this.#options = options;
    const { processor } = options;
    this.#prefix = options.topicPrefix ?? '';
    this.#log = options.logger.child({ processor: processor.name });
    this.#clock = options.clock ?? systemClock;
    this.#inputTopic = physicalName(processor.input.topic, this.#prefix);
    this.#changelog = changelogTopic(processor.name, this.#prefix);
    this.#groupId = processorGroup(processor.name, this.#prefix);
    this.#codec = options.registry.codec(processor.input.type) as unknown as Codec<In>;
    // A fatal error is reported through `failed`; keep an unobserved one from crashing the process.
    this.#fatal.promise.catch(() => undefined);
  }

  /** Creates the changelog topic if needed, joins the group and starts consuming. */
  static async start<In, State>(options: RunnerOptions<In, State>): Promise<ProcessorRunner<In, State>> {
    const runner = new ProcessorRunner(options);
    try {
      await runner.#start();
    } catch (error: unknown) {
      await runner.close().catch(() => undefined);
      throw error;
    }
    return runner;
  }

  /** Rejects when the runner can no longer make progress (its consumer gave up); never resolves. */
  get failed(): Promise<never> {
    return this.#fatal.promise;
  }

  stats(): RunnerStats {
    return { ...this.#stats };
  }

  /**
   * Stops fetching, lets the batch in hand finish (flush, commit), leaves the group and closes the
   * clients. Idempotent: every call returns the same promise. The sink belongs to the caller.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { kafka, processor } = this.#options;
    this.#admin = await kafka.admin();
    await this.#ensureChangelog(this.#admin);
    const instanceId = this.#options.instanceId ?? `${hostname()}-${process.pid}`;
    this.#transactionalId = `${this.#groupId}.${instanceId}`;
    this.#producer = await kafka.producer({ transactionalId: this.#transactionalId });
    this.#consumer = await kafka.consumer({
      groupId: this.#groupId,
      topics: [this.#inputTopic],
      fromBeginning: true,
      ...(this.#options.sessionTimeoutMs ? { sessionTimeoutMs: this.#options.sessionTimeoutMs } : {}),
    });
    await this.#consumer.run((records, batch) => this.#onBatch(records, batch), {
      onAssignment: (assigned) => this.#onAssignment(assigned),
      onFatal: (error) => this.#fatal.reject(error),
    });
    this.#log.info(
      { group: this.#groupId, input: this.#inputTopic, changelog: this.#changelog, instanceId },
      `${processor.name} started`,
    );
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    let first: Error | undefined;
    const step = async (what: string, release: (() => Promise<void>) | undefined) => {
      if (!release) return;
      try {
        await release();
      } catch (error: unknown) {
        first ??= toError(error);
        this.#log.warn({ err: error }, `could not ${what}`);
      }
    };
    await step('stop the consumer', this.#consumer && (() => this.#consumer!.close()));
    await step('close the producer', this.#producer && (() => this.#producer!.close()));
    await step('close the admin client', this.#admin && (() => this.#admin!.close()));
    this.#log.info({ ...this.#stats }, `${this.#options.processor.name} stopped`);
    if (first) throw first;
  }

  /** The changelog is compacted and partitioned exactly like the input, so partition p's state is in p. */
  async #ensureChangelog(admin: KafkaAdmin): Promise<void> {
    const [input, changelog] = await Promise.all(
      [this.#inputTopic, this.#changelog].map(
        async (t) => (await admin.describeTopics([t], ['cleanup.policy']))[0],
      ),
    );
    if (!input) {
      throw new TradewatchError(
        'TW_TOPIC_UNKNOWN',
        `the input topic ${this.#inputTopic} of ${this.#options.processor.name} does not exist: run \`tradewatch topics apply\` first`,
      );
    }
    if (!changelog) {
      await admin.createTopics([
        {
          name: this.#changelog,
          partitions: input.partitions,
          replicationFactor: this.#options.replicationFactor ?? 1,
          // A key's state can outgrow the broker's default 1 MiB record limit (a trailing window of many marks).
          configs: {
            'cleanup.policy': 'compact',
            'min.compaction.lag.ms': '0',
            'max.message.bytes': String(CHANGELOG_MAX_MESSAGE_BYTES),
          },
        },
      ]);
      this.#log.info(
        { changelog: this.#changelog, partitions: input.partitions },
        'created the changelog topic',
      );
    } else if (changelog.partitions !== input.partitions) {
      throw new TradewatchError(
        'TW_TOPIC_DRIFT',
        `${this.#changelog} has ${changelog.partitions} partitions but ${this.#inputTopic} has ${input.partitions}: ` +
          'state would land in the wrong partition. Delete the changelog topic (state is rebuilt from scratch) or restore the input’s partition count.',
      );
    }
  }

  #onAssignment(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    const mine = assigned.find((a) => a.topic === this.#inputTopic)?.partitions ?? [];
    const keep = new Set(mine);
    for (const partition of [...this.#stores.keys()])
      if (!keep.has(partition)) this.#stores.delete(partition);
    const fresh = mine.filter((p) => !this.#stores.has(p));
    this.#log.info({ partitions: mine, restoring: fresh }, 'partitions assigned');
    if (fresh.length > 0) {
      const restored = this.#restore(fresh);
      for (const partition of fresh) {
        this.#stores.set(
          partition,
          restored.then((stores) => stores.get(partition) ?? new PartitionState<State>(partition)),
        );
      }
    }
  }

  /** Rebuilds the state of `partitions` from their changelog partitions. */
  async #restore(partitions: readonly number[]): Promise<Map<number, PartitionState<State>>> {
    const started = this.#clock.now();
    const stores = new Map(partitions.map((p) => [p, new PartitionState<State>(p)]));
    let keys = 0;
    await readToEnd(this.#options.kafka, this.#admin!, {
      topic: this.#changelog,
      partitions,
      groupPrefix: `${this.#groupId}.restore`,
      onRecords: (records) => {
        for (const r of records) {
          if (r.key === null) continue;
          stores.get(r.partition)?.restore(r.key.toString('utf8'), r.value);
          keys += 1;
        }
      },
    });
    this.#stats.restoredKeys += keys;
    this.#log.info(
      { partitions, changelogRecords: keys, ms: this.#clock.now() - started },
      'state restored from the changelog',
    );
    return stores;
  }

  async #storeFor(partition: number): Promise<PartitionState<State>> {
    let store = this.#stores.get(partition);
    if (!store) {
      store = this.#restore([partition]).then((s) => s.get(partition)!);
      this.#stores.set(partition, store);
    }
    try {
      return await store;
    } catch (error: unknown) {
      // Try again with the next delivery of the batch.
      if (this.#stores.get(partition) === store) this.#stores.delete(partition);
      throw error;
    }
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    const last = records.at(-1);
    if (batch.topic !== this.#inputTopic || !last) return;
    const store = await this.#storeFor(batch.partition);
    const outgoing: OutgoingRecord[] = [];
    const rows: SinkRow[] = [];
    for (const record of records) this.#handle(record, store, outgoing, rows);

    try {
      if (rows.length > 0) {
        this.#options.sink.write(rows);
        await this.#flushSink(batch);
      }
      for (const change of store.takeChanges()) {
        outgoing.push({
          topic: this.#changelog,
          partition: batch.partition,
          key: change.key,
          value: change.value,
        });
      }
      if (!this.#producer) await this.#renewProducer();
      await this.#producer!.sendAtomically(outgoing, {
        consumerOffsets: {
          groupId: this.#groupId,
          offsets: [
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ],
        },
      });
    } catch (error: unknown) {
      // The in-memory state is ahead of what was committed: rebuild it before the records come again.
      this.#stores.delete(batch.partition);
      // A producer whose transaction failed may be stuck (e.g. out-of-order sequence numbers): start a
      // fresh one, which also aborts whatever the old one left open.
      await this.#renewProducer().catch((e: unknown) =>
        this.#log.warn({ err: e }, 'could not renew the producer'),
      );
      this.#log.warn(
        { err: error, partition: batch.partition, from: records[0]?.offset, to: last.offset },
        'batch not committed; it will be processed again',
      );
      throw error;
    }
    this.#stats.records += records.length;
    this.#stats.batches += 1;
  }

  async #renewProducer(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.close().catch(() => undefined);
    this.#producer = await this.#options.kafka.producer({ transactionalId: this.#transactionalId });
  }

  /** Runs one record through the processor, adding what it produces to `outgoing` and `rows`. */
  #handle(
    record: IncomingRecord,
    store: PartitionState<State>,
    outgoing: OutgoingRecord[],
    rows: SinkRow[],
  ): void {
    const { processor, registry } = this.#options;
    let value: In;
    try {
      if (record.value === null) {
        throw new DecodeError('TW_DECODE_NOT_SINGLE_OBJECT', 'the record has no value (a tombstone)');
      }
      value = this.#codec.decode(record.value);
    } catch (error: unknown) {
      outgoing.push(this.#deadLetter(record, errorCode(error), toError(error).message));
      return;
    }
    const emitted: Output[] = [];
    try {
      const key = processor.key(value);
      const context: ProcessContext = {
        clock: this.#clock,
        logger: this.#log,
        emit: (output) => void emitted.push(output),
      };
      const result = processor.process(value, store.get(key) ?? processor.initialState(key, value), context);
      if (isRejection(result)) {
        const late = result.reject.startsWith(LATE_PREFIX);
        outgoing.push(this.#deadLetter(record, late ? 'TW_RECORD_LATE' : 'TW_RECORD_INVALID', result.reject));
        return;
      }
      store.set(key, result);
      for (const output of emitted) {
        if (output.kind === 'row') rows.push(output.row);
        else if (output.kind === 'metric') {
          const m = output.metric;
          outgoing.push({
            topic: physicalName('metrics', this.#prefix),
            key: seriesKey(m.name, m.labels),
            value: registry.codec('Metric').encode(m),
          });
        } else {
          outgoing.push({
            topic: physicalName('alerts', this.#prefix),
            key: output.alert.fingerprint,
            value: registry.codec('Alert').encode(output.alert),
          });
        }
      }
    } catch (error: unknown) {
      // A processor is pure and tested: a throw is a bug. Dead-letter the record rather than stall the
      // partition on it forever, and say so loudly.
      this.#log.error(
        { err: error, partition: record.partition, offset: record.offset },
        'the processor failed on a record; it was dead-lettered (a bug: please report it)',
      );
      outgoing.push(this.#deadLetter(record, errorCode(error), toError(error).message));
    }
  }

  #deadLetter(record: IncomingRecord, code: string, message: string): OutgoingRecord {
    this.#stats.deadLettered += 1;
    this.#log.warn(
      { partition: record.partition, offset: record.offset, code },
      `dead-lettered ${record.topic}[${record.partition}]@${record.offset}: ${message}`,
    );
    return {
      topic: physicalName('dlq', this.#prefix),
      key: record.key,
      value: record.value,
      headers: deadLetterHeaders({
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
        error: { code, message },
        failedAt: this.#clock.now(),
        failedBy: this.#options.processor.name,
        key: record.key,
        value: record.value,
        headers: record.headers,
      }),
    };
  }

  /** Flushes the sink, waiting out transient outages (with backoff and heartbeats) until stopped. */
  async #flushSink(batch: BatchContext): Promise<void> {
    let delay = this.#options.sinkRetryInitialMs ?? 200;
    const maxDelay = this.#options.sinkRetryMaxMs ?? 5000;
    let since: number | undefined;
    for (;;) {
      try {
        await this.#options.sink.flush();
        if (since !== undefined) {
          this.#log.info({ outageMs: this.#clock.now() - since }, 'the sink is back; catching up');
        }
        return;
      } catch (error: unknown) {
        if (!isRetriable(error) || this.#stopping || !batch.isActive()) throw error;
        if (since === undefined) {
          since = this.#clock.now();
          this.#log.warn({ err: error }, 'the sink is unavailable: holding commits until it is back');
        }
        await sleep(delay);
        delay = Math.min(delay * 2, maxDelay);
        await batch.heartbeat();
      }
    }
  }
}
