/**
 * Catch-up tracking: timers of a store fire only once the consumer has read what was waiting in its
 * partition when it was assigned (else a restart would see every source as silent until the backlog
 * is read). A partition with nothing waiting (the group's committed offset is at the end) is caught up
 * at once, the others when the consumer's position reaches the end found at assignment.
 */
import type { RunnerInput } from './changelogs.ts';
import { storeId, type PartitionStores } from './partition-stores.ts';
import type { RunnerContext } from './runner-context.ts';

export class CatchUp<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #stores: PartitionStores<In, State>;
  /** The stores that caught up. */
  readonly #caughtUp = new Set<string>();
  /** The end offset each other store must reach. */
  readonly #targets = new Map<string, bigint>();
  readonly #positions = new Map<string, bigint>();
  /** Stores whose backlog is being looked up. */
  readonly #checks = new Set<string>();
  /** The partition count of each input (physical topic), as the look-ups found it. */
  readonly #partitions = new Map<string, number>();

  constructor(ctx: RunnerContext<In, State>, stores: PartitionStores<In, State>) {
    this.#ctx = ctx;
    this.#stores = stores;
  }

  isCaughtUp(id: string): boolean {
    return this.#caughtUp.has(id);
  }

  /** How many partitions `physical` has, once a look-up found out; undefined before. */
  partitionCount(physical: string): number | undefined {
    return this.#partitions.get(physical);
  }

  /** Whether the store's backlog is known or being looked up. */
  isTracked(id: string): boolean {
    return this.#targets.has(id) || this.#checks.has(id);
  }

  /** Forgets every store whose id is not in `keep` (partitions taken away). */
  retain(keep: ReadonlySet<string>): void {
    for (const id of [...this.#caughtUp, ...this.#targets.keys(), ...this.#positions.keys()]) {
      if (!keep.has(id)) {
        this.#caughtUp.delete(id);
        this.#targets.delete(id);
        this.#positions.delete(id);
      }
    }
  }

  /** Finds where each partition's backlog ends now. A failed look-up is tried again on the next tick. */
  start(input: RunnerInput, partitions: readonly number[]): void {
    const ids = partitions.map((p) => storeId(input.physical, p));
    for (const id of ids) this.#checks.add(id);
    const check = async () => {
      const admin = this.#ctx.admin();
      const [ends, committed] = await Promise.all([
        admin.offsets(input.physical),
        admin.groupOffsets(this.#ctx.groupId, [input.physical]),
      ]);
      this.#partitions.set(input.physical, ends.length);
      for (const partition of partitions) {
        const id = storeId(input.physical, partition);
        if (!this.#stores.has(id)) continue;
        const end = ends.find((e) => e.partition === partition);
        const at = committed.find((c) => c.topic === input.physical && c.partition === partition);
        const target = end ? BigInt(end.high) : 0n;
        const from = at && BigInt(at.offset) >= 0n ? BigInt(at.offset) : end ? BigInt(end.low) : 0n;
        if (from >= target) this.#caughtUp.add(id);
        else {
          this.#targets.set(id, target);
          this.onPosition(id, this.#positions.get(id) ?? -1n);
        }
      }
    };
    check()
      .catch((error: unknown) =>
        this.#ctx.log.warn(
          { err: error, topic: input.physical },
          'could not look up the backlog; trying again',
        ),
      )
      .finally(() => {
        for (const id of ids) this.#checks.delete(id);
      });
  }

  /** The consumer's next offset on a store's partition. */
  onPosition(id: string, nextOffset: bigint): void {
    if (nextOffset > (this.#positions.get(id) ?? -1n)) this.#positions.set(id, nextOffset);
    const target = this.#targets.get(id);
    if (target !== undefined && nextOffset >= target) {
      this.#targets.delete(id);
      this.#caughtUp.add(id);
      this.#ctx.log.debug({ store: id }, 'caught up: timers may fire');
    }
  }
}
