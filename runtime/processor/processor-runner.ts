/**
 * Runs one processor: consumes its input topics in a consumer group, decodes, dead-letters what cannot
 * be decoded or is rejected, routes late records to the `late` side output, runs the processor per
 * record with the record's keyed state (kept per input topic and partition), writes sink rows and
 * flushes them while it sends — in ONE Kafka transaction, committed once the flush succeeded — the
 * outputs, the changed state (changelog) and the input offsets of the batches of a commit unit
 * (commit-unit.ts: the batches of one fetch, or of a commit interval; each touched key's state written
 * once per commit; commit.ts). Wall-clock timers are fired on a tick, between batches, and their
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
 * one record (record-handler.ts), outputs (outputs.ts), the commit interval (commit-unit.ts), the commit
 * (commit.ts), timers (timers.ts).
 */
import { TradewatchError } from '../../core/errors.ts';
import { SerialQueue } from '../../core/serial-queue.ts';
import type {
  BatchContext,
  IncomingRecord,
  KafkaAdmin,
  KafkaConsumer,
  KafkaProducer,
} from '../kafka/index.ts';
import { closeInOrder, startOrClose } from '../lifecycle.ts';
import { processorGroup } from '../../topics/index.ts';
import { CatchUp } from './catch-up.ts';
import { ensureChangelog, runnerInputs, type RunnerInput } from './changelogs.ts';
import { Committer } from './commit.ts';
import { CommitUnits } from './commit-unit.ts';
import { RunnerOutputs } from './outputs.ts';
import { PartitionStores, storeId } from './partition-stores.ts';
import { ProgressReporter } from './progress.ts';
import { handleRecord } from './record-handler.ts';
import { newCounters, type RunnerContext, type RunnerStats } from './runner-context.ts';
import { compileRunnerOptions, type RunnerOptions } from './runner-options.ts';
import { tick, type TickParts } from './timers.ts';

// Where tests found it before the runner was split.
export { changelogsOf } from './changelogs.ts';

/**
 * Batches of one fetch the consumer hands over before the first is handled: more than the partitions a
 * fetch can return for an instance in practice, so that all of them queue up and commit together.
 */
const BATCHES_AT_ONCE = 64;

export class ProcessorRunner<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #parts: TickParts<In, State>;
  /** The batches handled since the last commit (the state cache). */
  readonly #units: CommitUnits<In, State>;
  readonly #fatal = Promise.withResolvers<never>();
  #admin: KafkaAdmin | undefined;
  #fenceProducer: KafkaProducer | undefined;
  #consumer: KafkaConsumer | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  readonly #stop = new AbortController();
  /** Serializes batches and timer ticks: one transaction at a time on the one producer. */
  readonly #serial = new SerialQueue();
  #ticker: NodeJS.Timeout | undefined;
  /** Batches handed over by the consumer and queued behind the batch or tick in hand. */
  #batchesWaiting = 0;
  /** Progress reports, when asked for (RunnerOptions.progress): off the batches' path. */
  #progress: ProgressReporter<In, State> | undefined;

  private constructor(options: RunnerOptions<In, State>) {
    const o = compileRunnerOptions(options);
    const { processor, topicPrefix } = o;
    const ctx: RunnerContext<In, State> = (this.#ctx = {
      options: o,
      log: o.logger.child({ processor: processor.name }),
      groupId: processorGroup(processor.name, topicPrefix),
      inputs: runnerInputs(processor, topicPrefix),
      counters: newCounters(),
      stopping: () => this.#stopping,
      stopSignal: this.#stop.signal,
      admin: () => this.#admin!,
      fenceProducer: () => this.#fenceProducer!,
    });
    const stores = new PartitionStores(ctx);
    const outputs = new RunnerOutputs(ctx);
    const committer = new Committer(ctx, outputs, stores);
    this.#parts = { stores, outputs, catchUp: new CatchUp(ctx, stores), committer };
    this.#units = new CommitUnits(ctx, {
      stores,
      outputs,
      committer,
      seek: (topic, partition, offset) => this.#consumer?.seek(topic, partition, offset),
      serially: (job) => this.#serial.run(job),
    });
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
    return { ...this.#ctx.counters };
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
    const { options: o, log, inputs, groupId } = this.#ctx;
    this.#admin = await o.kafka.admin();
    for (const input of inputs) {
      const how = { processor: o.processor.name, replicationFactor: o.replicationFactor, log };
      await ensureChangelog(this.#admin, input, how);
    }
    await this.#parts.committer.start();
    if (o.progress) {
      // Before joining the group: it must hear of the first assignment.
      this.#progress = new ProgressReporter(this.#ctx, o.progress);
      this.#progress.start();
    }
    this.#fenceProducer = await o.kafka.producer();
    this.#consumer = await o.kafka.consumer({
      groupId,
      topics: inputs.map((i) => i.physical),
      fromBeginning: true,
      sessionTimeoutMs: o.sessionTimeoutMs,
      // Every batch of a fetch at once: they queue behind one another and commit together (commit-unit.ts).
      batchesAtOnce: BATCHES_AT_ONCE,
    });
    await this.#consumer.run(
      (records, batch) => {
        this.#batchesWaiting += 1;
        return this.#serial.run(() => {
          this.#batchesWaiting -= 1;
          return this.#onBatch(records, batch);
        });
      },
      {
        onAssignment: (assigned) => this.#onAssignment(assigned),
        onPosition: (event) =>
          this.#parts.catchUp.onPosition(storeId(event.topic, event.partition), BigInt(event.nextOffset)),
        onFatal: (error) => this.#fatal.reject(error),
      },
    );
    if (o.processor.timer && o.processor.onTimer) {
      this.#ticker = setInterval(() => {
        if (this.#stopping) return;
        this.#serial
          // Timers wait while batches are handled but not committed, or committed in the background
          // (the runner is catching up).
          .run(async () => (this.#units.isBusy ? undefined : tick(this.#ctx, this.#parts)))
          .catch((error: unknown) =>
            log.warn({ err: error }, 'timers not committed; they fire again on the next tick'),
          );
      }, o.timerTickMs);
      this.#ticker.unref();
    }
    const changelogs = inputs.map((i) => i.changelog);
    log.info(
      { group: groupId, inputs: inputs.map((i) => i.physical), changelogs, instanceId: o.instanceId },
      `${o.processor.name} started`,
    );
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    // A restore in progress (waiting out an earlier owner's transaction, reading a changelog) stops
    // now: after a fatal error the process ends promptly instead of finishing it.
    this.#stop.abort(new TradewatchError('TW_TIMEOUT', 'the runner is closing: restore abandoned'));
    if (this.#ticker) clearInterval(this.#ticker);
    try {
      await closeInOrder(this.#ctx.log, [
        ['stop the progress reports', this.#progress && (() => this.#progress!.close())],
        // While still in the group: what was handled is committed rather than read again by the next owner.
        [
          'commit the batches handled',
          () =>
            this.#serial
              .run(() => this.#units.commit())
              // Not lost: the next owner of the partitions reads them again from the committed offsets.
              .catch(() => undefined),
        ],
        ['stop the consumer', this.#consumer && (() => this.#consumer!.close())],
        // A tick in hand finishes (or fails) before the producer goes.
        ['finish the batch or tick in hand', () => this.#serial.idle()],
        ['close the producer', () => this.#parts.committer.close()],
        ['close the fence producer', this.#fenceProducer && (() => this.#fenceProducer!.close())],
        ['close the admin client', this.#admin && (() => this.#admin!.close())],
      ]);
    } finally {
      this.#ctx.log.info({ ...this.#ctx.counters }, `${this.#ctx.options.processor.name} stopped`);
    }
  }

  #onAssignment(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    const mine = (input: RunnerInput) => assigned.find((a) => a.topic === input.physical)?.partitions ?? [];
    const { inputs, log, options } = this.#ctx;
    const { stores, catchUp } = this.#parts;
    this.#progress?.assigned(assigned);
    const keep = new Set(inputs.flatMap((input) => mine(input).map((p) => storeId(input.physical, p))));
    this.#units.drop(keep);
    stores.retain(keep);
    catchUp.retain(keep);
    for (const input of inputs) {
      const fresh = mine(input).filter((p) => !stores.has(storeId(input.physical, p)));
      log.info({ topic: input.physical, partitions: mine(input), restoring: fresh }, 'partitions assigned');
      if (fresh.length > 0) {
        stores.startRestore(input, fresh);
        if (options.processor.timer) catchUp.start(input, fresh);
      }
    }
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    const input = this.#ctx.inputs.find((i) => i.physical === batch.topic);
    if (!input || records.length === 0) return;
    const { stores, outputs } = this.#parts;
    const store = await stores.storeFor(input, batch.partition);
    const unit = this.#units.open();
    for (const record of records) {
      handleRecord(this.#ctx, outputs, input, record, store, unit.outgoing, unit.rows);
    }
    unit.add(input, store, records);
    await this.#units.afterBatch(batch, this.#batchesWaiting > 0);
  }
}
