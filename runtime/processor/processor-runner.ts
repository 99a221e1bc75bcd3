/**
 * Runs one processor: consumes its input topics in a consumer group, decodes, dead-letters what cannot
 * be decoded or is rejected, routes late records to the `late` side output, runs the processor per
 * record with the record's keyed state (kept per input topic and partition), writes sink rows and
 * flushes them, then commits — in ONE Kafka transaction — the batch's outputs, the changed state
 * (changelog) and the input offsets. Wall-clock timers are fired on a tick, between batches, and their
 * outputs and state committed the same way (without offsets). Nothing is committed before Kafka
 * acknowledged the outputs and the sink flushed: at-least-once towards the sink (whose writes are
 * idempotent), and exactly the outputs of an uninterrupted run towards Kafka's read-committed consumers.
 *
 * Failure handling: a batch that fails anywhere is aborted, its partition's in-memory state dropped,
 * and the error thrown, so the Kafka client delivers the same records again, after the partition's
 * state was restored from its changelog (see state-store.ts). A sink outage is waited out in place
 * (with backoff and heartbeats), without committing, until it ends or the runner stops.
 *
 * The parts, one file each: options (runner-options.ts), inputs and changelogs (changelogs.ts), state
 * stores and their restore (partition-stores.ts, restore.ts, state-store.ts), catch-up (catch-up.ts),
 * one record (record-handler.ts), outputs (outputs.ts), the commit (commit.ts), timers (timers.ts).
 */
import { SerialQueue } from '../../core/serial-queue.ts';
import type {
  BatchContext,
  IncomingRecord,
  KafkaAdmin,
  KafkaConsumer,
  KafkaProducer,
} from '../kafka/index.ts';
import { closeInOrder, startOrClose } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { processorGroup } from '../../topics/index.ts';
import { CatchUp } from './catch-up.ts';
import { Committer } from './commit.ts';
import { ensureChangelog, runnerInputs, type RunnerInput } from './changelogs.ts';
import { RunnerOutputs, type Pending } from './outputs.ts';
import { PartitionStores, storeId } from './partition-stores.ts';
import { handleRecord, type RecordHandling } from './record-handler.ts';
import { restoreFromChangelog } from './restore.ts';
import { compileRunnerOptions, type CompiledRunnerOptions, type RunnerOptions } from './runner-options.ts';
import { newCounters, type RunnerStats } from './runner-stats.ts';
import { PartitionState } from './state-store.ts';
import { tick, type TickContext } from './timers.ts';
import type { SinkRow } from './types.ts';

// Where tests found it before the runner was split.
export { changelogsOf } from './changelogs.ts';

export class ProcessorRunner<In, State> {
  readonly #o: CompiledRunnerOptions<In, State>;
  readonly #log: Logger;
  readonly #inputs: readonly RunnerInput[];
  readonly #groupId: string;
  readonly #stores: PartitionStores<State>;
  readonly #catchUp: CatchUp;
  readonly #outputs: RunnerOutputs;
  readonly #handling: RecordHandling<In, State>;
  readonly #committer: Committer<State>;
  readonly #partitionCounts = new Map<string, number>();
  readonly #fatal = Promise.withResolvers<never>();
  #admin: KafkaAdmin | undefined;
  /** A plain producer for the restore fences (outside the batches' transactions). */
  #fenceProducer: KafkaProducer | undefined;
  #consumer: KafkaConsumer | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  /** Serializes batches and timer ticks: one transaction at a time on the one producer. */
  readonly #serial = new SerialQueue();
  #ticker: NodeJS.Timeout | undefined;
  readonly #stats = newCounters();

  private constructor(options: RunnerOptions<In, State>) {
    const o = (this.#o = compileRunnerOptions(options));
    const { processor } = o;
    this.#log = o.logger.child({ processor: processor.name });
    this.#inputs = runnerInputs(processor, o.topicPrefix);
    this.#groupId = processorGroup(processor.name, o.topicPrefix);
    const newStore = (partition: number) =>
      new PartitionState<State>(partition, processor.timer?.bind(processor));
    this.#stores = new PartitionStores<State>({
      newStore,
      restore: (input, partitions) => this.#restore(input, partitions, newStore),
      stopping: () => this.#stopping,
      log: this.#log,
    });
    this.#catchUp = new CatchUp({
      admin: () => this.#admin!,
      groupId: this.#groupId,
      assigned: (id) => this.#stores.has(id),
      log: this.#log,
    });
    this.#outputs = new RunnerOutputs({
      processor: processor.name,
      prefix: o.topicPrefix,
      registry: o.registry,
      clock: o.clock,
      log: this.#log,
      counters: this.#stats,
      partitionCount: (topic) => this.#partitionCount(topic),
    });
    this.#committer = new Committer<State>({
      kafka: o.kafka,
      groupId: this.#groupId,
      transactionalId: `${this.#groupId}.${o.instanceId}`,
      sink: o.sink,
      sinkRetry: { initialMs: o.sinkRetryInitialMs, maxMs: o.sinkRetryMaxMs },
      outputs: this.#outputs,
      stores: this.#stores,
      stopping: () => this.#stopping,
      clock: o.clock,
      log: this.#log,
    });
    this.#handling = {
      processor,
      registry: o.registry,
      clock: o.clock,
      log: this.#log,
      outputs: this.#outputs,
    };
    // A fatal error is reported through `failed`; keep an unobserved one from crashing the process.
    this.#fatal.promise.catch(() => undefined);
  }

  /** Creates the changelog topics if needed, joins the group and starts consuming. */
  static start<In, State>(options: RunnerOptions<In, State>): Promise<ProcessorRunner<In, State>> {
    const runner = new ProcessorRunner(options);
    return startOrClose(runner, () => runner.#start());
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
    const { kafka, processor } = this.#o;
    const admin = (this.#admin = await kafka.admin());
    for (const input of this.#inputs) {
      const how = { processor: processor.name, replicationFactor: this.#o.replicationFactor, log: this.#log };
      this.#partitionCounts.set(input.physical, await ensureChangelog(admin, input, how));
    }
    await this.#committer.start();
    this.#fenceProducer = await kafka.producer();
    this.#consumer = await kafka.consumer({
      groupId: this.#groupId,
      topics: this.#inputs.map((i) => i.physical),
      fromBeginning: true,
      sessionTimeoutMs: this.#o.sessionTimeoutMs,
    });
    await this.#consumer.run((records, batch) => this.#serial.run(() => this.#onBatch(records, batch)), {
      onAssignment: (assigned) => this.#onAssignment(assigned),
      onPosition: (event) =>
        this.#catchUp.onPosition(storeId(event.topic, event.partition), BigInt(event.nextOffset)),
      onFatal: (error) => this.#fatal.reject(error),
    });
    if (processor.timer && processor.onTimer) {
      this.#ticker = setInterval(() => {
        if (this.#stopping) return;
        this.#serial
          .run(() => tick(this.#tickContext()))
          .catch((error: unknown) =>
            this.#log.warn({ err: error }, 'timers not committed; they fire again on the next tick'),
          );
      }, this.#o.timerTickMs);
      this.#ticker.unref();
    }
    this.#log.info(
      {
        group: this.#groupId,
        inputs: this.#inputs.map((i) => i.physical),
        changelogs: this.#inputs.map((i) => i.changelog),
        instanceId: this.#o.instanceId,
      },
      `${processor.name} started`,
    );
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    if (this.#ticker) clearInterval(this.#ticker);
    try {
      await closeInOrder(this.#log, [
        ['stop the consumer', this.#consumer && (() => this.#consumer!.close())],
        // A tick in hand finishes (or fails) before the producer goes.
        ['finish the batch or tick in hand', () => this.#serial.idle()],
        ['close the producer', () => this.#committer.close()],
        ['close the fence producer', this.#fenceProducer && (() => this.#fenceProducer!.close())],
        ['close the admin client', this.#admin && (() => this.#admin!.close())],
      ]);
    } finally {
      this.#log.info({ ...this.#stats }, `${this.#o.processor.name} stopped`);
    }
  }

  #tickContext(): TickContext<In, State> {
    return {
      ...this.#handling,
      inputs: this.#inputs,
      stores: this.#stores,
      catchUp: this.#catchUp,
      counters: this.#stats,
      stopping: () => this.#stopping,
      commit: (input, store, outgoing, rows) => this.#committer.commit(input, store, outgoing, rows),
    };
  }

  async #restore(
    input: RunnerInput,
    partitions: readonly number[],
    newStore: (partition: number) => PartitionState<State>,
  ): Promise<Map<number, PartitionState<State>>> {
    const clients = {
      kafka: this.#o.kafka,
      admin: this.#admin!,
      fenceProducer: this.#fenceProducer!,
      groupId: this.#groupId,
      clock: this.#o.clock,
      log: this.#log,
    };
    const { stores, keys } = await restoreFromChangelog(clients, input, partitions, newStore);
    this.#stats.restoredKeys += keys;
    return stores;
  }

  #onAssignment(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    const mine = (input: RunnerInput) => assigned.find((a) => a.topic === input.physical)?.partitions ?? [];
    const keep = new Set(this.#inputs.flatMap((input) => mine(input).map((p) => storeId(input.physical, p))));
    this.#stores.retain(keep);
    this.#catchUp.retain(keep);
    for (const input of this.#inputs) {
      const fresh = mine(input).filter((p) => !this.#stores.has(storeId(input.physical, p)));
      this.#log.info(
        { topic: input.physical, partitions: mine(input), restoring: fresh },
        'partitions assigned',
      );
      if (fresh.length > 0) {
        this.#stores.startRestore(input, fresh);
        if (this.#o.processor.timer) this.#catchUp.start(input, fresh);
      }
    }
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    const last = records.at(-1);
    const input = this.#inputs.find((i) => i.physical === batch.topic);
    if (!input || !last) return;
    const store = await this.#stores.storeFor(input, batch.partition);
    const outgoing: Pending[] = [];
    const rows: SinkRow[] = [];
    for (const record of records) handleRecord(this.#handling, input, record, store, outgoing, rows);
    try {
      await this.#committer.commit(input, store, outgoing, rows, { context: batch, last });
    } catch (error: unknown) {
      const where = {
        topic: batch.topic,
        partition: batch.partition,
        from: records[0]?.offset,
        to: last.offset,
      };
      this.#log.warn({ err: error, ...where }, 'batch not committed; it will be processed again');
      throw error;
    }
    this.#stats.records += records.length;
    this.#stats.batches += 1;
  }

  async #partitionCount(topic: string): Promise<number | undefined> {
    let count = this.#partitionCounts.get(topic);
    if (count === undefined) {
      count = (await this.#admin!.describeTopics([topic], []))[0]?.partitions;
      if (count !== undefined) this.#partitionCounts.set(topic, count);
    }
    return count;
  }
}
