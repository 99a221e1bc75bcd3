/**
 * The commit of the batches handled in a commit interval (commit-unit.ts) or of a timer firing: the sink
 * rows written and flushed first (a sink outage waited out with backoff and heartbeats, until it ends or
 * the runner stops), then the outputs, the stores' changed state (each key once: its changelog) and,
 * for batches, the input offsets after their last records, in ONE Kafka transaction on the runner's
 * transactional producer.
 */
import { isRetriableError, retry } from '../../core/retry.ts';
import {
  commitMetadata,
  type BatchContext,
  type KafkaProducer,
  type RecordPosition,
} from '../kafka/index.ts';
import type { RunnerInput } from './changelogs.ts';
import type { Pending, RunnerOutputs } from './outputs.ts';
import type { PartitionStores } from './partition-stores.ts';
import type { RunnerContext } from './runner-context.ts';
import type { PartitionState } from './state-store.ts';
import type { SinkRow } from '../../processors/contract.ts';

/** What one transaction commits: the outputs, sink rows, changed state and input positions of one or more batches (or of a timer tick). */
export interface CommitWork<State> {
  /** The stores whose changed state goes to their changelogs (and which are rewound on a failure). */
  readonly stores: Iterable<{ readonly input: RunnerInput; readonly store: PartitionState<State> }>;
  readonly outgoing: Pending[];
  readonly rows: SinkRow[];
  /** The input positions to commit: per partition, the position after its last handled record. */
  readonly offsets?: readonly RecordPosition[];
  /** The batch in hand, whose heartbeat keeps the member in its group while a sink outage is waited out. */
  readonly batch?: BatchContext;
}

export class Committer<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #outputs: RunnerOutputs<In, State>;
  /** Rewound when a commit fails. */
  readonly #stores: PartitionStores<In, State>;
  #producer: KafkaProducer | undefined;

  constructor(
    ctx: RunnerContext<In, State>,
    outputs: RunnerOutputs<In, State>,
    stores: PartitionStores<In, State>,
  ) {
    this.#ctx = ctx;
    this.#outputs = outputs;
    this.#stores = stores;
  }

  /** Creates the transactional producer. */
  async start(): Promise<void> {
    await this.#renewProducer();
  }

  async close(): Promise<void> {
    await this.#producer?.close();
  }

  /**
   * Writes and flushes the rows, then sends the outputs, the stores' changed state and the input
   * positions in one transaction. On failure every store is rewound (restored from its changelog) and
   * the producer renewed, and the error thrown.
   */
  async commit(work: CommitWork<State>): Promise<void> {
    const { outgoing, rows, batch, offsets = [] } = work;
    const stores = [...work.stores];
    try {
      if (rows.length > 0) {
        this.#ctx.options.sink.write(rows);
        await this.#flushSink(batch);
      }
      for (const { input, store } of stores) {
        for (const change of store.takeChanges()) {
          outgoing.push({
            topic: input.changelog,
            partition: store.partition,
            key: change.key,
            value: change.value,
          });
        }
      }
      const records = await this.#outputs.expandBroadcasts(outgoing);
      if (records.length === 0 && offsets.length === 0) return;
      if (!this.#producer) await this.#renewProducer();
      await this.#producer!.sendAtomically(
        records,
        offsets.length > 0
          ? {
              consumerOffsets: {
                groupId: this.#ctx.groupId,
                offsets,
                // When: `tradewatch status` shows how long ago each processor last made progress.
                metadata: commitMetadata(this.#ctx.options.clock.now()),
              },
            }
          : {},
      );
    } catch (error: unknown) {
      // The in-memory state is ahead of what was committed: rebuild it before the records come again.
      for (const { input, store } of stores) this.#stores.rewind(input, store.partition);
      // A producer whose transaction failed may be stuck (e.g. out-of-order sequence numbers): start a
      // fresh one, which also aborts whatever the old one left open.
      await this.#renewProducer().catch((e: unknown) =>
        this.#ctx.log.warn({ err: e }, 'could not renew the producer'),
      );
      throw error;
    }
  }

  async #renewProducer(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.close().catch(() => undefined);
    const { kafka, instanceId } = this.#ctx.options;
    this.#producer = await kafka.producer({ transactionalId: `${this.#ctx.groupId}.${instanceId}` });
  }

  /** Flushes the sink, waiting out transient outages (with backoff and heartbeats) until stopped. */
  async #flushSink(batch: BatchContext | undefined): Promise<void> {
    const { sink, clock, sinkRetryInitialMs, sinkRetryMaxMs } = this.#ctx.options;
    const { log } = this.#ctx;
    let since: number | undefined;
    await retry(() => sink.flush(), {
      initialMs: sinkRetryInitialMs,
      maxMs: sinkRetryMaxMs,
      retryIf: (error) => isRetriableError(error) && !this.#ctx.stopping() && (!batch || batch.isActive()),
      onRetry: (error) => {
        if (since !== undefined) return;
        since = clock.now();
        log.warn({ err: error }, 'the sink is unavailable: holding commits until it is back');
      },
      beforeRetry: async () => batch?.heartbeat(),
    });
    if (since !== undefined) log.info({ outageMs: clock.now() - since }, 'the sink is back; catching up');
  }
}
