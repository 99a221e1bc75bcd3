/**
 * The commit of the batches handled in a commit interval (commit-unit.ts) or of a timer firing: the
 * outputs, the stores' changed state (each key once: its changelog) and, for batches, the input offsets
 * after their last records, in ONE Kafka transaction on the runner's transactional producer, which
 * commits only once the sink flushed the rows. The flush runs while the transaction's records are sent
 * (the two waits overlap); if it fails, the transaction is aborted, the outage waited out with backoff
 * and heartbeats until it ends or the runner stops, and the outputs sent again in a fresh transaction.
 */
import { toError } from '../../core/errors.ts';
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
   * Writes and flushes the rows while it sends the outputs, the stores' changed state and the input
   * positions in one transaction, committed once the rows are flushed. On failure every store is rewound (restored from its changelog) and
   * the producer renewed, and the error thrown.
   */
  async commit(work: CommitWork<State>): Promise<void> {
    const { outgoing, rows, batch, offsets = [] } = work;
    const stores = [...work.stores];
    try {
      // The sink's first attempt runs while the outputs are sent, and the transaction commits only once
      // it succeeded; if it failed, the transaction is aborted and the outage waited out before the
      // outputs are sent again, in a fresh transaction.
      let flushed: Promise<SinkAttempt> | undefined;
      if (rows.length > 0) {
        this.#ctx.options.sink.write(rows);
        flushed = this.#ctx.options.sink.flush().then(
          () => ({ ok: true }) as const,
          (error: unknown) => ({ ok: false, error }) as const,
        );
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
      const send = async (beforeCommit?: () => Promise<void>): Promise<void> => {
        if (records.length === 0 && offsets.length === 0) {
          await beforeCommit?.();
          return;
        }
        if (!this.#producer) await this.#renewProducer();
        await this.#producer!.sendAtomically(records, {
          ...(offsets.length > 0
            ? {
                consumerOffsets: {
                  groupId: this.#ctx.groupId,
                  offsets,
                  // When: `tradewatch status` shows how long ago each processor last made progress.
                  metadata: commitMetadata(this.#ctx.options.clock.now()),
                },
              }
            : {}),
          ...(beforeCommit ? { beforeCommit } : {}),
        });
      };
      if (flushed === undefined) {
        await send();
        return;
      }
      let sinkError: unknown;
      try {
        await send(async () => {
          const attempt = await flushed;
          if (!attempt.ok) throw (sinkError = attempt.error);
        });
      } catch (error: unknown) {
        if (error !== sinkError || !this.#waitsOut(error, batch)) throw error;
        // The sink is down (nothing of the aborted transaction is visible): wait it out, then send again.
        await this.#flushSink(batch, toError(error));
        await send();
      }
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

  /** Whether a failed sink flush is an outage to wait out (rather than an error to fail the commit with). */
  #waitsOut(error: unknown, batch: BatchContext | undefined): boolean {
    return isRetriableError(error) && !this.#ctx.stopping() && (!batch || batch.isActive());
  }

  /**
   * Flushes the sink after its attempt in the commit failed with `failure`, waiting out the outage (with
   * backoff and heartbeats, the failed attempt counting as the first) until it ends or the runner stops.
   */
  async #flushSink(batch: BatchContext | undefined, failure: Error): Promise<void> {
    const { sink, clock, sinkRetryInitialMs, sinkRetryMaxMs } = this.#ctx.options;
    const { log } = this.#ctx;
    let since: number | undefined;
    await retry((attempt) => (attempt === 1 ? Promise.reject(failure) : sink.flush()), {
      initialMs: sinkRetryInitialMs,
      maxMs: sinkRetryMaxMs,
      retryIf: (error) => this.#waitsOut(error, batch),
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

/** How the sink's first flush of a commit went. */
type SinkAttempt = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
