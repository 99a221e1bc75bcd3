/**
 * Runs one processor: consumes its input topics in a consumer group, decodes, dead-letters what cannot
 * be decoded or is rejected, routes late records to the `late` side output, runs the processor per
 * record with the record's keyed state (kept per input topic and partition), writes sink rows and
 * flushes them, then commits — in ONE Kafka transaction — the batch's outputs, the changed state
 * (changelog) and the input offsets. Wall-clock timers are fired on a tick, between batches, and their
 * outputs and state committed the same way (without offsets). Nothing is committed before Kafka acknowledged the outputs
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
import type { RecordTypeName } from '../../schemas/index.ts';
import {
  changelogTopic,
  deadLetterHeaders,
  physicalName,
  processorGroup,
  seriesKey,
} from '../../topics/index.ts';
import { PartitionState } from './state-store.ts';
import type { RunnerOptions } from './runner-options.ts';
import {
  LATE_PREFIX,
  isRejection,
  type Output,
  type ProcessContext,
  type RecordSource,
  type SinkRow,
} from './types.ts';

/**
 * The key of the restore fence (see `#restore`): a tombstone no state ever has (state keys are the
 * processors' own and never start with NUL), so restoring it changes nothing.
 */
const RESTORE_FENCE_KEY = '\u0000tradewatch.restore-fence';

/**
 * How long a restore waits for an earlier owner's open transaction to end (the broker aborts it after
 * the transaction timeout, 15 s by default).
 */
const RESTORE_FENCE_WAIT_MS = 60_000;

/** Largest record (one key's state) the changelog topic accepts: 16 MiB. */
const CHANGELOG_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Counters of one runner since it started. */
export interface RunnerStats {
  readonly records: number;
  readonly deadLettered: number;
  /** Records sent to the `late` side output. */
  readonly late: number;
  readonly batches: number;
  readonly restoredKeys: number;
  /** Timer firings committed. */
  readonly timersFired: number;
  /** Timer ticks run (each looks at every restored store for due timers). */
  readonly ticks: number;
}

/** One input topic as the runner reads it. */
interface Input {
  /** Logical name. */
  readonly topic: string;
  /** Physical name (with TOPIC_PREFIX). */
  readonly physical: string;
  readonly types: readonly RecordTypeName[];
  /** Its state's changelog (physical name). */
  readonly changelog: string;
}

/** A record produced by the processor, before broadcasts are expanded. */
type Pending = OutgoingRecord & { readonly broadcast?: boolean };

/**
 * The changelog topic of each input of `processor` (physical names): one per input, partitioned like it.
 * The only input of a processor, or its `primary` one, has `tradewatch.<processor>.changelog`; the
 * others `tradewatch.<processor>.<topic>.changelog`.
 */
export function changelogsOf(
  processor: {
    readonly name: string;
    readonly inputs: readonly { readonly topic: string; readonly primary?: boolean }[];
  },
  prefix: string,
): { input: string; changelog: string }[] {
  const single = processor.inputs.length === 1;
  return processor.inputs.map((input) => ({
    input: input.topic,
    changelog: changelogTopic(
      processor.name,
      prefix,
      single || input.primary === true ? undefined : input.topic,
    ),
  }));
}

/** Key of a state store: the input's physical topic and the partition. */
const storeId = (topic: string, partition: number) => `${partition}@${topic}`;

export class ProcessorRunner<In, State> {
  readonly #options: RunnerOptions<In, State>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #inputs: readonly Input[];
  readonly #groupId: string;
  readonly #stores = new Map<string, Promise<PartitionState<State>>>();
  /** The stores whose restore finished and that are still assigned: the ones timers may fire in. */
  readonly #ready = new Map<string, PartitionState<State>>();
  readonly #partitionCounts = new Map<string, number>();
  /**
   * Timers of a store fire only once the consumer has read what was waiting in its partition when it
   * was assigned (else a restart would see every source as silent until the backlog is read):
   * `#caughtUp` holds those stores; `#catchUpTargets` the end offset each other one must reach.
   */
  readonly #caughtUp = new Set<string>();
  readonly #catchUpTargets = new Map<string, bigint>();
  readonly #positions = new Map<string, bigint>();
  readonly #catchUpChecks = new Set<string>();
  readonly #fatal = Promise.withResolvers<never>();
  #admin: KafkaAdmin | undefined;
  #producer: KafkaProducer | undefined;
  /** A plain producer for the restore fences (outside the batches' transactions). */
  #fenceProducer: KafkaProducer | undefined;
  #transactionalId = '';
  #consumer: KafkaConsumer | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  /** Serializes batches and timer ticks: one transaction at a time on the one producer. */
  #exclusive: Promise<unknown> = Promise.resolve();
  #ticker: NodeJS.Timeout | undefined;
  #stats = { records: 0, deadLettered: 0, late: 0, batches: 0, restoredKeys: 0, timersFired: 0, ticks: 0 };

  private constructor(options: RunnerOptions<In, State>) {
    this.#options = options;
    const { processor } = options;
    this.#prefix = options.topicPrefix ?? '';
    this.#log = options.logger.child({ processor: processor.name });
    this.#clock = options.clock ?? systemClock;
    if (processor.inputs.length === 0) {
      throw new TradewatchError('TW_CONFIG_INVALID', `processor ${processor.name} declares no input`);
    }
    if (processor.inputs.filter((i) => i.primary === true).length > 1) {
      throw new TradewatchError(
        'TW_CONFIG_INVALID',
        `processor ${processor.name} declares several primary inputs: at most one input keeps the processor's own changelog name`,
      );
    }
    const changelogs = changelogsOf(processor, this.#prefix);
    this.#inputs = processor.inputs.map((input, i) => ({
      topic: input.topic,
      physical: physicalName(input.topic, this.#prefix),
      types: typeof input.type === 'string' ? [input.type] : [...input.type],
      changelog: changelogs[i]!.changelog,
    }));
    this.#groupId = processorGroup(processor.name, this.#prefix);
    // A fatal error is reported through `failed`; keep an unobserved one from crashing the process.
    this.#fatal.promise.catch(() => undefined);
  }

  /** Creates the changelog topics if needed, joins the group and starts consuming. */
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
   * Stops fetching and ticking, lets the batch or tick in hand finish (flush, commit), leaves the group
   * and closes the clients. Idempotent: every call returns the same promise. The sink belongs to the
   * caller.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { kafka, processor } = this.#options;
    this.#admin = await kafka.admin();
    for (const input of this.#inputs) await this.#ensureChangelog(this.#admin, input);
    const instanceId = this.#options.instanceId ?? `${hostname()}-${process.pid}`;
    this.#transactionalId = `${this.#groupId}.${instanceId}`;
    this.#producer = await kafka.producer({ transactionalId: this.#transactionalId });
    this.#fenceProducer = await kafka.producer();
    this.#consumer = await kafka.consumer({
      groupId: this.#groupId,
      topics: this.#inputs.map((i) => i.physical),
      fromBeginning: true,
      ...(this.#options.sessionTimeoutMs ? { sessionTimeoutMs: this.#options.sessionTimeoutMs } : {}),
    });
    await this.#consumer.run((records, batch) => this.#serially(() => this.#onBatch(records, batch)), {
      onAssignment: (assigned) => this.#onAssignment(assigned),
      onPosition: (event) =>
        this.#onPosition(storeId(event.topic, event.partition), BigInt(event.nextOffset)),
      onFatal: (error) => this.#fatal.reject(error),
    });
    if (processor.timer && processor.onTimer) {
      const tickMs = this.#options.timerTickMs ?? 1000;
      this.#ticker = setInterval(() => {
        if (this.#stopping) return;
        this.#serially(() => this.#tick()).catch((error: unknown) =>
          this.#log.warn({ err: error }, 'timers not committed; they fire again on the next tick'),
        );
      }, tickMs);
      this.#ticker.unref();
    }
    this.#log.info(
      {
        group: this.#groupId,
        inputs: this.#inputs.map((i) => i.physical),
        changelogs: this.#inputs.map((i) => i.changelog),
        instanceId,
      },
      `${processor.name} started`,
    );
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(work, work);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    if (this.#ticker) clearInterval(this.#ticker);
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
    // A tick in hand finishes (or fails) before the producer goes.
    await this.#exclusive;
    await step('close the producer', this.#producer && (() => this.#producer!.close()));
    await step('close the fence producer', this.#fenceProducer && (() => this.#fenceProducer!.close()));
    await step('close the admin client', this.#admin && (() => this.#admin!.close()));
    this.#log.info({ ...this.#stats }, `${this.#options.processor.name} stopped`);
    if (first) throw first;
  }

  /** A changelog is compacted and partitioned exactly like its input, so partition p's state is in p. */
  async #ensureChangelog(admin: KafkaAdmin, input: Input): Promise<void> {
    const [source, changelog] = await Promise.all(
      [input.physical, input.changelog].map(
        async (t) => (await admin.describeTopics([t], ['cleanup.policy']))[0],
      ),
    );
    if (!source) {
      throw new TradewatchError(
        'TW_TOPIC_UNKNOWN',
        `the input topic ${input.physical} of ${this.#options.processor.name} does not exist: run \`tradewatch topics apply\` first`,
      );
    }
    this.#partitionCounts.set(input.physical, source.partitions);
    if (!changelog) {
      await admin.createTopics([
        {
          name: input.changelog,
          partitions: source.partitions,
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
        { changelog: input.changelog, partitions: source.partitions },
        'created the changelog topic',
      );
    } else if (changelog.partitions !== source.partitions) {
      throw new TradewatchError(
        'TW_TOPIC_DRIFT',
        `${input.changelog} has ${changelog.partitions} partitions but ${input.physical} has ${source.partitions}: ` +
          'state would land in the wrong partition. Delete the changelog topic (state is rebuilt from scratch) or restore the input’s partition count.',
      );
    }
  }

  #newStore(partition: number): PartitionState<State> {
    const { processor } = this.#options;
    return new PartitionState<State>(partition, processor.timer?.bind(processor));
  }

  #onAssignment(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    const keep = new Set<string>();
    for (const input of this.#inputs) {
      const mine = assigned.find((a) => a.topic === input.physical)?.partitions ?? [];
      for (const partition of mine) keep.add(storeId(input.physical, partition));
    }
    for (const id of [...this.#stores.keys()]) {
      if (!keep.has(id)) {
        this.#stores.delete(id);
        this.#ready.delete(id);
      }
    }
    for (const id of [...this.#caughtUp, ...this.#catchUpTargets.keys(), ...this.#positions.keys()]) {
      if (!keep.has(id)) {
        this.#caughtUp.delete(id);
        this.#catchUpTargets.delete(id);
        this.#positions.delete(id);
      }
    }
    for (const input of this.#inputs) {
      const mine = assigned.find((a) => a.topic === input.physical)?.partitions ?? [];
      const fresh = mine.filter((p) => !this.#stores.has(storeId(input.physical, p)));
      this.#log.info({ topic: input.physical, partitions: mine, restoring: fresh }, 'partitions assigned');
      if (fresh.length > 0) {
        this.#startRestore(input, fresh);
        if (this.#options.processor.timer) this.#startCatchUpCheck(input, fresh);
      }
    }
  }

  /** Restores `partitions` of `input` in the background; a store is ready for timers once restored. */
  #startRestore(input: Input, partitions: readonly number[]): void {
    const restored = this.#restore(input, partitions);
    for (const partition of partitions) {
      const id = storeId(input.physical, partition);
      const store = restored.then((stores) => stores.get(partition) ?? this.#newStore(partition));
      this.#stores.set(id, store);
      store.then(
        (s) => {
          if (this.#stores.get(id) === store) this.#ready.set(id, s);
        },
        (error: unknown) => {
          // The next batch of the partition (or the next tick) tries again.
          if (this.#stores.get(id) === store) this.#stores.delete(id);
          this.#log.warn({ err: error, topic: input.physical, partition }, 'could not restore state');
        },
      );
    }
  }

  /**
   * Finds where each partition's backlog ends now; a partition with nothing waiting (the group's
   * committed offset is at the end) is caught up at once, the others when the consumer's position
   * reaches that end (`#onPosition`). A failed look-up is tried again on the next tick.
   */
  #startCatchUpCheck(input: Input, partitions: readonly number[]): void {
    const ids = partitions.map((p) => storeId(input.physical, p));
    for (const id of ids) this.#catchUpChecks.add(id);
    const check = async () => {
      const [ends, committed] = await Promise.all([
        this.#admin!.offsets(input.physical),
        this.#admin!.groupOffsets(this.#groupId, [input.physical]),
      ]);
      for (const partition of partitions) {
        const id = storeId(input.physical, partition);
        if (!this.#stores.has(id)) continue;
        const end = ends.find((e) => e.partition === partition);
        const at = committed.find((c) => c.topic === input.physical && c.partition === partition);
        const target = end ? BigInt(end.high) : 0n;
        const from = at && BigInt(at.offset) >= 0n ? BigInt(at.offset) : end ? BigInt(end.low) : 0n;
        if (from >= target) this.#caughtUp.add(id);
        else {
          this.#catchUpTargets.set(id, target);
          this.#onPosition(id, this.#positions.get(id) ?? -1n);
        }
      }
    };
    check()
      .catch((error: unknown) =>
        this.#log.warn({ err: error, topic: input.physical }, 'could not look up the backlog; trying again'),
      )
      .finally(() => {
        for (const id of ids) this.#catchUpChecks.delete(id);
      });
  }

  #onPosition(id: string, nextOffset: bigint): void {
    if (nextOffset > (this.#positions.get(id) ?? -1n)) this.#positions.set(id, nextOffset);
    const target = this.#catchUpTargets.get(id);
    if (target !== undefined && nextOffset >= target) {
      this.#catchUpTargets.delete(id);
      this.#caughtUp.add(id);
      this.#log.debug({ store: id }, 'caught up: timers may fire');
    }
  }

  /**
   * Rebuilds the state of `partitions` of `input` from its changelog partitions.
   *
   * The fence: a read-committed reader cannot pass a partition's last stable offset (LSO), the start of
   * its oldest open transaction, and the broker reports the LSO as the partition's end. A previous owner
   * that died in a transaction leaves it open until the broker aborts it (the transaction timeout);
   * state committed after it by a later owner (one that also died: a crash loop) would then lie beyond
   * the reported end and be missed. So the restore first appends a tombstone of its own to each
   * partition and waits until readers can see it: every earlier transaction has then ended, and reading
   * to the end reads all the committed state.
   */
  async #restore(input: Input, partitions: readonly number[]): Promise<Map<number, PartitionState<State>>> {
    const started = this.#clock.now();
    const fences = await this.#fenceProducer!.send(
      partitions.map((partition) => ({
        topic: input.changelog,
        partition,
        key: RESTORE_FENCE_KEY,
        value: null,
      })),
    );
    const waiting = setTimeout(
      () =>
        this.#log.info(
          { changelog: input.changelog, partitions },
          'restore: waiting for an earlier owner’s open transaction to end (the broker aborts it after the transaction timeout)',
        ),
      1000,
    );
    try {
      await this.#admin!.waitUntilVisible(fences, RESTORE_FENCE_WAIT_MS);
    } finally {
      clearTimeout(waiting);
    }
    const stores = new Map(partitions.map((p) => [p, this.#newStore(p)]));
    let keys = 0;
    await readToEnd(this.#options.kafka, this.#admin!, {
      topic: input.changelog,
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
      { topic: input.physical, partitions, changelogRecords: keys, ms: this.#clock.now() - started },
      'state restored from the changelog',
    );
    return stores;
  }

  async #storeFor(input: Input, partition: number): Promise<PartitionState<State>> {
    const id = storeId(input.physical, partition);
    if (!this.#stores.has(id)) this.#startRestore(input, [partition]);
    const store = this.#stores.get(id)!;
    try {
      return await store;
    } catch (error: unknown) {
      // Try again with the next delivery of the batch.
      if (this.#stores.get(id) === store) this.#stores.delete(id);
      throw error;
    }
  }

  /** Forgets a store whose in-memory state is ahead of what was committed, and restores it again. */
  #rewind(input: Input, partition: number): void {
    const id = storeId(input.physical, partition);
    this.#stores.delete(id);
    this.#ready.delete(id);
    if (!this.#stopping) this.#startRestore(input, [partition]);
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    const last = records.at(-1);
    const input = this.#inputs.find((i) => i.physical === batch.topic);
    if (!input || !last) return;
    const store = await this.#storeFor(input, batch.partition);
    const outgoing: Pending[] = [];
    const rows: SinkRow[] = [];
    for (const record of records) this.#handle(input, record, store, outgoing, rows);

    try {
      await this.#commit(input, store, outgoing, rows, batch, {
        groupId: this.#groupId,
        offsets: [
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ],
      });
    } catch (error: unknown) {
      this.#log.warn(
        {
          err: error,
          topic: batch.topic,
          partition: batch.partition,
          from: records[0]?.offset,
          to: last.offset,
        },
        'batch not committed; it will be processed again',
      );
      throw error;
    }
    this.#stats.records += records.length;
    this.#stats.batches += 1;
  }

  /**
   * Writes and flushes `rows`, then sends `outgoing`, the store's changed state and (for a batch) the
   * input offsets in one transaction. On failure the store is rewound (restored from its changelog)
   * and the producer renewed, and the error thrown.
   */
  async #commit(
    input: Input,
    store: PartitionState<State>,
    outgoing: Pending[],
    rows: SinkRow[],
    batch: BatchContext | undefined,
    consumerOffsets?: { groupId: string; offsets: { topic: string; partition: number; offset: string }[] },
  ): Promise<void> {
    try {
      if (rows.length > 0) {
        this.#options.sink.write(rows);
        await this.#flushSink(batch);
      }
      for (const change of store.takeChanges()) {
        outgoing.push({
          topic: input.changelog,
          partition: store.partition,
          key: change.key,
          value: change.value,
        });
      }
      const records = await this.#expandBroadcasts(outgoing);
      if (records.length === 0 && !consumerOffsets) return;
      if (!this.#producer) await this.#renewProducer();
      await this.#producer!.sendAtomically(records, consumerOffsets ? { consumerOffsets } : {});
    } catch (error: unknown) {
      // The in-memory state is ahead of what was committed: rebuild it before the records come again.
      this.#rewind(input, store.partition);
      // A producer whose transaction failed may be stuck (e.g. out-of-order sequence numbers): start a
      // fresh one, which also aborts whatever the old one left open.
      await this.#renewProducer().catch((e: unknown) =>
        this.#log.warn({ err: e }, 'could not renew the producer'),
      );
      throw error;
    }
  }

  /** Replaces each broadcast record by one copy per partition of its topic. */
  async #expandBroadcasts(outgoing: readonly Pending[]): Promise<OutgoingRecord[]> {
    if (!outgoing.some((r) => r.broadcast)) return outgoing as OutgoingRecord[];
    const records: OutgoingRecord[] = [];
    for (const record of outgoing) {
      if (!record.broadcast) {
        records.push(record);
        continue;
      }
      let count = this.#partitionCounts.get(record.topic);
      if (count === undefined) {
        const [state] = await this.#admin!.describeTopics([record.topic], []);
        if (!state) {
          throw new TradewatchError(
            'TW_TOPIC_UNKNOWN',
            `${this.#options.processor.name} broadcasts to ${record.topic}, which does not exist: run \`tradewatch topics apply\``,
          );
        }
        count = state.partitions;
        this.#partitionCounts.set(record.topic, count);
      }
      const { broadcast: _broadcast, ...plain } = record;
      for (let partition = 0; partition < count; partition += 1) records.push({ ...plain, partition });
    }
    return records;
  }

  async #renewProducer(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.close().catch(() => undefined);
    this.#producer = await this.#options.kafka.producer({ transactionalId: this.#transactionalId });
  }

  /** Decodes a record as one of its input's types. */
  #decode(input: Input, value: Buffer): { type: RecordTypeName; value: In } {
    const { registry } = this.#options;
    if (input.types.length === 1) {
      const type = input.types[0]!;
      return { type, value: registry.codec(type).decode(value) as In };
    }
    const decoded = registry.decodeAny(value);
    if (!input.types.includes(decoded.type)) {
      throw new DecodeError(
        'TW_DECODE_UNKNOWN_SCHEMA',
        `a ${decoded.type} record on ${input.physical}, which carries ${input.types.join(', ')} only`,
      );
    }
    return { type: decoded.type, value: decoded.value as In };
  }

  /** Runs one record through the processor, adding what it produces to `outgoing` and `rows`. */
  #handle(
    input: Input,
    record: IncomingRecord,
    store: PartitionState<State>,
    outgoing: Pending[],
    rows: SinkRow[],
  ): void {
    const { processor } = this.#options;
    let decoded: { type: RecordTypeName; value: In };
    try {
      if (record.value === null) {
        throw new DecodeError('TW_DECODE_NOT_SINGLE_OBJECT', 'the record has no value (a tombstone)');
      }
      decoded = this.#decode(input, record.value);
    } catch (error: unknown) {
      outgoing.push(this.#deadLetter(record, errorCode(error), toError(error).message));
      return;
    }
    const emitted: Output[] = [];
    try {
      const source: RecordSource = {
        topic: input.topic,
        type: decoded.type,
        partition: record.partition,
        offset: record.offset,
        key: record.key === null ? null : record.key.toString('utf8'),
        timestamp: record.timestamp,
      };
      const value = decoded.value;
      const key = processor.key(value, source);
      const context: ProcessContext = {
        clock: this.#clock,
        logger: this.#log,
        source,
        emit: (output) => void emitted.push(output),
      };
      const result = processor.process(
        value,
        store.get(key) ?? processor.initialState(key, value, source),
        context,
      );
      if (isRejection(result)) {
        if (result.reject.startsWith(LATE_PREFIX)) outgoing.push(this.#late(record, result.reject));
        else outgoing.push(this.#deadLetter(record, 'TW_RECORD_INVALID', result.reject));
        return;
      }
      store.set(key, result);
      for (const output of emitted) {
        if (output.kind === 'late') outgoing.push(this.#late(record, output.reason));
        else this.#route(output, outgoing, rows);
      }
    } catch (error: unknown) {
      // A processor is pure and tested: a throw is a bug. Dead-letter the record rather than stall the
      // partition on it forever, and say so loudly.
      this.#log.error(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
        'the processor failed on a record; it was dead-lettered (a bug: please report it)',
      );
      outgoing.push(this.#deadLetter(record, errorCode(error), toError(error).message));
    }
  }

  /** Adds an output (other than `late`) to what the batch or tick commits. */
  #route(output: Output, outgoing: Pending[], rows: SinkRow[]): void {
    const { registry } = this.#options;
    switch (output.kind) {
      case 'row':
        rows.push(output.row);
        return;
      case 'metric': {
        const m = output.metric;
        outgoing.push({
          topic: physicalName('metrics', this.#prefix),
          key: seriesKey(m.name, m.labels),
          value: registry.codec('Metric').encode(m),
        });
        return;
      }
      case 'alert':
        outgoing.push({
          topic: physicalName('alerts', this.#prefix),
          key: output.alert.fingerprint,
          value: registry.codec('Alert').encode(output.alert),
        });
        return;
      case 'record': {
        const value = registry.codec(output.type).encode(output.value as never);
        const topic = physicalName(output.topic, this.#prefix);
        if (output.partition === 'all') outgoing.push({ topic, key: output.key, value, broadcast: true });
        else if (output.partition !== undefined) {
          outgoing.push({ topic, key: output.key, value, partition: output.partition });
        } else outgoing.push({ topic, key: output.key, value });
        return;
      }
      case 'late':
        throw new TradewatchError(
          'TW_CONFIG_INVALID',
          `${this.#options.processor.name} emitted a \`late\` output outside \`process\`: there is no record to send`,
        );
    }
  }

  /**
   * Fires the due timers of every ready store: per store, the new states and the outputs are committed
   * in one transaction. A store whose commit fails is rewound (restored), so its timers fire again.
   */
  async #tick(): Promise<void> {
    const { processor } = this.#options;
    const now = this.#clock.now();
    this.#stats.ticks += 1;
    for (const [id, store] of [...this.#ready]) {
      if (this.#stopping) return;
      if (this.#ready.get(id) !== store) continue;
      const input = this.#inputs.find((i) => id.endsWith(`@${i.physical}`))!;
      if (!this.#caughtUp.has(id)) {
        if (!this.#catchUpTargets.has(id) && !this.#catchUpChecks.has(id)) {
          this.#startCatchUpCheck(input, [store.partition]);
        }
        continue;
      }
      const due = store.dueKeys(now);
      if (due.length === 0) continue;
      const outgoing: Pending[] = [];
      const rows: SinkRow[] = [];
      for (const key of due) {
        const state = store.get(key);
        if (state === undefined) continue;
        const emitted: Output[] = [];
        try {
          const next = processor.onTimer!(key, state, {
            clock: this.#clock,
            logger: this.#log,
            topic: input.topic,
            partition: store.partition,
            emit: (output) => void emitted.push(output),
          });
          for (const output of emitted) this.#route(output, outgoing, rows);
          store.set(key, next);
        } catch (error: unknown) {
          this.#log.error(
            { err: error, topic: input.physical, partition: store.partition, key },
            'the processor failed on a timer (a bug: please report it); it fires again on the next tick',
          );
          this.#rewind(input, store.partition);
          return;
        }
      }
      await this.#commit(input, store, outgoing, rows, undefined);
      this.#stats.timersFired += due.length;
    }
  }

  #late(record: IncomingRecord, reason: string): OutgoingRecord {
    this.#stats.late += 1;
    this.#log.info(
      { topic: record.topic, partition: record.partition, offset: record.offset },
      `late record ${record.topic}[${record.partition}]@${record.offset} sent to \`late\`: ${reason}`,
    );
    return this.#sideOutput('late', record, 'TW_RECORD_LATE', reason);
  }

  #deadLetter(record: IncomingRecord, code: string, message: string): OutgoingRecord {
    this.#stats.deadLettered += 1;
    this.#log.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, code },
      `dead-lettered ${record.topic}[${record.partition}]@${record.offset}: ${message}`,
    );
    return this.#sideOutput('dlq', record, code, message);
  }

  #sideOutput(topic: 'dlq' | 'late', record: IncomingRecord, code: string, message: string): OutgoingRecord {
    return {
      topic: physicalName(topic, this.#prefix),
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
  async #flushSink(batch: BatchContext | undefined): Promise<void> {
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
        if (!isRetriable(error) || this.#stopping || (batch && !batch.isActive())) throw error;
        if (since === undefined) {
          since = this.#clock.now();
          this.#log.warn({ err: error }, 'the sink is unavailable: holding commits until it is back');
        }
        await sleep(delay);
        delay = Math.min(delay * 2, maxDelay);
        await batch?.heartbeat();
      }
    }
  }
}
