/**
 * The state stores of the partitions this instance owns, one per input topic and partition: restored
 * in the background when a partition is assigned, forgotten when it goes, rewound (restored again) when
 * the in-memory state got ahead of what was committed. A store is "ready" (timers may fire in it) once
 * its restore finished while it is still assigned.
 */
import type { RunnerInput } from './changelogs.ts';
import { emptyStore, restoreFromChangelog } from './restore.ts';
import type { RunnerContext } from './runner-context.ts';
import type { PartitionState } from './state-store.ts';

/** Key of a state store: the input's physical topic and the partition. */
export const storeId = (topic: string, partition: number): string => `${partition}@${topic}`;

export class PartitionStores<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #stores = new Map<string, Promise<PartitionState<State>>>();
  readonly #ready = new Map<string, PartitionState<State>>();

  constructor(ctx: RunnerContext<In, State>) {
    this.#ctx = ctx;
  }

  has(id: string): boolean {
    return this.#stores.has(id);
  }

  /** The ready stores by id, as they are now. */
  ready(): [string, PartitionState<State>][] {
    return [...this.#ready];
  }

  /** Whether `store` is still the ready store of `id`. */
  isReady(id: string, store: PartitionState<State>): boolean {
    return this.#ready.get(id) === store;
  }

  /** Forgets every store whose id is not in `keep` (partitions taken away). */
  retain(keep: ReadonlySet<string>): void {
    for (const id of [...this.#stores.keys()]) {
      if (!keep.has(id)) {
        this.#stores.delete(id);
        this.#ready.delete(id);
      }
    }
  }

  /** Restores `partitions` of `input` in the background; a store is ready for timers once restored. */
  startRestore(input: RunnerInput, partitions: readonly number[]): void {
    const restored = restoreFromChangelog(this.#ctx, input, partitions);
    for (const partition of partitions) {
      const id = storeId(input.physical, partition);
      const store = restored.then((stores) => stores.get(partition) ?? emptyStore(this.#ctx, partition));
      this.#stores.set(id, store);
      store.then(
        (s) => {
          if (this.#stores.get(id) === store) this.#ready.set(id, s);
        },
        (error: unknown) => {
          // The next batch of the partition (or the next tick) tries again.
          if (this.#stores.get(id) === store) this.#stores.delete(id);
          // Abandoned because the runner closes: nothing is lost (the next owner restores it).
          if (this.#ctx.stopSignal.aborted) {
            this.#ctx.log.debug(
              { err: error, topic: input.physical, partition },
              'restore abandoned: the runner is closing',
            );
          } else {
            this.#ctx.log.warn({ err: error, topic: input.physical, partition }, 'could not restore state');
          }
        },
      );
    }
  }

  /** The store of a partition, restored first when it has none. */
  async storeFor(input: RunnerInput, partition: number): Promise<PartitionState<State>> {
    const id = storeId(input.physical, partition);
    if (!this.#stores.has(id)) this.startRestore(input, [partition]);
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
  rewind(input: RunnerInput, partition: number): void {
    const id = storeId(input.physical, partition);
    this.#stores.delete(id);
    this.#ready.delete(id);
    if (!this.#ctx.stopping()) this.startRestore(input, [partition]);
  }
}
