/**
 * The state cache (what Kafka Streams' record cache and `commit.interval.ms` do): the batches handled
 * within a commit interval are committed together, in one transaction, so a key touched by many of
 * them goes to its changelog once, with its latest state.
 *
 * The consumer hands over every batch of a fetch at once (one per partition) and they queue behind one
 * another: with an interval of 0 (the default), a unit holds the batches of one fetch and is committed
 * at the end of the last of them (none is waiting): one transaction per fetch rather than per
 * partition. With an interval, a unit is committed at the end of a batch when the interval has passed
 * since it opened, or when the batch reached its partition's end and no other batch is waiting (the
 * runner has caught up: committing at once keeps the latency of a live stream). Either way a unit is
 * committed once it holds `maxUnitRecords` input records (RunnerOptions; memory and transaction size),
 * and whatever the interval when the runner is stopping. A unit left open with no batch to end it (the
 * input went quiet short of its end, e.g. behind an aborted transaction; a waiting batch that failed
 * before its end) is committed by a timer when its interval is over (after IDLE_UNIT_MS with an
 * interval of 0).
 *
 * A unit that is due while other batches of the fetch wait behind it commits in the background: the
 * next batches are handled into the next unit while its transaction is sent, and that unit's commit
 * first waits for it. At most one commit is in flight, and none outlives its fetch: the fetch's last
 * batch waits for it, so the consumer never rejoins its group, nor does a timer tick, with a
 * transaction open. The two units read different partitions (a fetch holds one batch per partition),
 * so they touch different stores.
 *
 * Until its commit a unit's batches are handled, not committed: if the commit fails, every store it
 * touched is rewound (committer) and every partition it read is sought back to its first handled
 * record, so the consumer delivers all of them again, and the error is thrown from the batch in hand
 * (the consumer restarts, or gives up on an error that is not retriable). The unit handled behind a
 * commit that failed is dropped the same way, not committed after it. A rejoin of the group (the
 * consumer then starts again from the committed offsets) drops the open unit and rewinds its stores
 * likewise.
 */
import { commitAfter, type BatchContext, type IncomingRecord } from '../kafka/index.ts';
import type { RunnerInput } from './changelogs.ts';
import type { Committer } from './commit.ts';
import type { Pending, RunnerOutputs, SideOutputNotes } from './outputs.ts';
import { storeId, type PartitionStores } from './partition-stores.ts';
import type { RunnerContext } from './runner-context.ts';
import type { PartitionState } from './state-store.ts';
import type { SinkRow } from '../../processors/contract.ts';

/** With an interval of 0, how long an open unit no batch ends waits before a timer commits it. */
const IDLE_UNIT_MS = 1_000;

/** What the batches handled since the last commit produced. */
export class OpenUnit<State> {
  /** `performance.now()` when the first batch was added. */
  readonly openedAt = performance.now();
  readonly stores = new Map<string, { readonly input: RunnerInput; readonly store: PartitionState<State> }>();
  readonly outgoing: Pending[] = [];
  readonly rows: SinkRow[] = [];
  /** Per partition read: the first record handled and the last one. */
  readonly read = new Map<string, { readonly first: IncomingRecord; last: IncomingRecord }>();
  records = 0;
  batches = 0;

  /** Adds a handled batch of `input` (its outputs are already in `outgoing` and `rows`). */
  add(input: RunnerInput, store: PartitionState<State>, records: readonly IncomingRecord[]): void {
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return;
    const id = storeId(input.physical, store.partition);
    this.stores.set(id, { input, store });
    const read = this.read.get(id);
    if (read) read.last = last;
    else this.read.set(id, { first, last });
    this.records += records.length;
    this.batches += 1;
  }
}

/** The runner's parts the units work with. */
export interface UnitParts<In, State> {
  readonly stores: PartitionStores<In, State>;
  readonly outputs: RunnerOutputs<In, State>;
  readonly committer: Committer<In, State>;
  /** Moves the consumer's fetch position of a partition (KafkaConsumer.seek). */
  readonly seek: (topic: string, partition: number, offset: string) => void;
  /** Runs a job in the runner's serial queue (after the batch or tick in hand). */
  readonly serially: (job: () => Promise<void>) => Promise<void>;
}

export class CommitUnits<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #parts: UnitParts<In, State>;
  #open: OpenUnit<State> | undefined;
  /** The commit running in the background while the next unit is handled (at most one). */
  #inFlight: { readonly unit: OpenUnit<State>; readonly done: Promise<void> } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: RunnerContext<In, State>, parts: UnitParts<In, State>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** The open unit, opened if there is none. */
  open(): OpenUnit<State> {
    this.#open ??= new OpenUnit<State>();
    return this.#open;
  }

  /** Whether batches are handled but not committed, or a commit is still in flight. */
  get isBusy(): boolean {
    return this.#open !== undefined || this.#inFlight !== undefined;
  }

  /**
   * At the end of a batch (`more`: other batches wait behind it): commits the open unit when it is due,
   * else leaves it open (with a timer that commits it once its interval is over). Throws what a failed
   * commit threw.
   */
  async afterBatch(batch: BatchContext, more = false): Promise<void> {
    const unit = this.#open;
    if (!unit) {
      if (!more) await this.#settle();
      return;
    }
    const interval = this.#ctx.options.commitIntervalMs;
    const elapsed = performance.now() - unit.openedAt;
    const stopping = this.#ctx.stopping();
    const due =
      stopping ||
      unit.records >= this.#ctx.options.maxUnitRecords ||
      (interval === 0 ? !more : elapsed >= interval || (!more && batch.reachedEnd !== false));
    if (due) {
      // Other batches of the fetch wait: they are handled while this unit's transaction is sent.
      if (more && !stopping) await this.#commitInBackground(batch);
      else await this.commit(batch);
      return;
    }
    // The fetch's last batch: no commit outlives it.
    if (!more) await this.#settle();
    if (this.#timer === undefined) {
      const wait = interval === 0 ? IDLE_UNIT_MS : Math.max(0, interval - elapsed);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#parts
          .serially(async () => {
            if (this.#open === unit) await this.commit();
          })
          .catch((error: unknown) =>
            this.#ctx.log.warn({ err: error }, 'the open batches were not committed; they are read again'),
          );
      }, wait);
      this.#timer.unref();
    }
  }

  /**
   * Commits the open unit (if any). On failure its stores are rewound and its partitions sought back
   * to their first handled record, and the error thrown.
   */
  async commit(batch?: BatchContext): Promise<void> {
    await this.#settle();
    const unit = this.#take();
    if (!unit) return;
    await this.#commitUnit(unit, batch);
  }

  /** Starts the open unit's commit and returns once the one before it (if any) has settled. */
  async #commitInBackground(batch: BatchContext): Promise<void> {
    await this.#settle();
    const unit = this.#take();
    if (!unit) return;
    const done = this.#commitUnit(unit, batch);
    // Observed by #settle; until then, not an unhandled rejection.
    done.catch(() => undefined);
    this.#inFlight = { unit, done };
  }

  /**
   * Waits for the commit in flight. If it failed, the unit handled behind it is dropped (its stores
   * rewound, its partitions sought back) and the commit's error thrown.
   */
  async #settle(): Promise<void> {
    const inFlight = this.#inFlight;
    if (!inFlight) return;
    try {
      await inFlight.done;
    } catch (error: unknown) {
      const behind = this.#take();
      if (behind) {
        this.#parts.outputs.forgetSideOutputs();
        this.#rewind(behind);
        const read = readRanges(behind);
        for (const r of read) this.#parts.seek(r.topic, r.partition, r.from);
        this.#ctx.log.warn(
          { records: behind.records, batches: behind.batches, read },
          'batches handled behind a commit that failed are read again',
        );
      }
      throw error;
    } finally {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    }
  }

  /**
   * Commits `unit`: on failure its stores are rewound (committer) and its partitions sought back to
   * their first handled record, and the error thrown.
   */
  async #commitUnit(unit: OpenUnit<State>, batch?: BatchContext): Promise<void> {
    const ctx = this.#ctx;
    const { outputs } = this.#parts;
    const sideOutputs: SideOutputNotes = outputs.takeSideOutputs();
    try {
      await this.#parts.committer.commit({
        stores: unit.stores.values(),
        outgoing: unit.outgoing,
        rows: unit.rows,
        offsets: [...unit.read.values()].map((r) => commitAfter(r.last)),
        ...(batch ? { batch } : {}),
      });
      outputs.logSideOutputs(sideOutputs);
    } catch (error: unknown) {
      const read = readRanges(unit);
      for (const r of read) this.#parts.seek(r.topic, r.partition, r.from);
      ctx.log.warn({ err: error, read }, 'batch not committed; it will be processed again');
      throw error;
    }
    ctx.counters.records += unit.records;
    ctx.counters.batches += unit.batches;
  }

  /** The stores of a unit that will not be committed (those in `keep`, if given), rewound. */
  #rewind(unit: OpenUnit<State>, keep?: ReadonlySet<string>): void {
    for (const [id, { input, store }] of unit.stores) {
      if (!keep || keep.has(id)) this.#parts.stores.rewind(input, store.partition);
    }
  }

  /**
   * Forgets the open unit without committing it (the group was rejoined: its records come again from
   * the committed offsets), rewinding the stores it touched that `keep` still holds.
   */
  drop(keep: ReadonlySet<string>): void {
    const unit = this.#take();
    if (!unit) return;
    this.#parts.outputs.forgetSideOutputs();
    this.#rewind(unit, keep);
    this.#ctx.log.info(
      { records: unit.records, batches: unit.batches },
      'the group was rejoined: batches handled since the last commit are read again',
    );
  }

  #take(): OpenUnit<State> | undefined {
    const unit = this.#open;
    this.#open = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return unit;
  }
}

/** Per partition a unit read: the offsets of its first and last handled records. */
function readRanges<State>(
  unit: OpenUnit<State>,
): { topic: string; partition: number; from: string; to: string }[] {
  return [...unit.read.values()].map(({ first, last }) => ({
    topic: first.topic,
    partition: first.partition,
    from: first.offset,
    to: last.offset,
  }));
}
