/**
 * The keyed state of one processor in one partition, kept durable through a changelog topic.
 *
 * Mechanism (as Kafka Streams does it, in a Kafka transaction): after the batches of a commit (commit-unit.ts), the state of
 * each key they touched is written (state-codec.ts: compact binary with JSON's semantics) to the processor's compacted changelog topic, in the SAME
 * partition as the input and in the SAME transaction as the batch's outputs and its input offsets. So
 * the committed input position, the committed outputs and the committed state always agree. When a
 * partition is assigned (start, restart, rebalance), its state is rebuilt by reading its changelog
 * partition to the end (read-committed: an aborted batch's state is never seen), and processing resumes
 * from the committed input offset, where that state belongs.
 */
import { decodeState, encodeState } from './state-codec.ts';

/**
 * One key's place in a store: its state and whether it changed since the last changelog write. The
 * record path looks a key up once (`slot`) and writes its new state through the same slot (`update`).
 */
export interface StateSlot<State> {
  readonly key: string;
  state: State | undefined;
  dirty: boolean;
}

export class PartitionState<State> {
  readonly partition: number;
  readonly #slots = new Map<string, StateSlot<State>>();
  /** The slots changed since the last `takeChanges`, in the order they first changed. */
  #dirty: StateSlot<State>[] = [];
  /** Due time of each key's timer (the processor's `timer(state)`), for keys that have one. */
  readonly #due = new Map<string, number>();
  /** No timer is due before this (a lower bound: `dueKeys` before it costs nothing). */
  #earliest = Infinity;
  readonly #timerOf: ((state: State) => number | null) | undefined;

  /** `timerOf`: the processor's `timer`, when it has timers. */
  constructor(partition: number, timerOf?: (state: State) => number | null) {
    this.partition = partition;
    this.#timerOf = timerOf;
  }

  #index(key: string, state: State | undefined): void {
    if (!this.#timerOf) return;
    const due = state === undefined ? null : this.#timerOf(state);
    if (due === null) this.#due.delete(key);
    else {
      this.#due.set(key, due);
      if (due < this.#earliest) this.#earliest = due;
    }
  }

  /** The keys whose timer is due at `now`, earliest first. */
  dueKeys(now: number): string[] {
    if (now < this.#earliest) return [];
    const due: [string, number][] = [];
    let earliest = Infinity;
    for (const entry of this.#due) {
      if (entry[1] <= now) due.push(entry);
      if (entry[1] < earliest) earliest = entry[1];
    }
    this.#earliest = earliest;
    return due.sort((a, b) => a[1] - b[1]).map(([key]) => key);
  }

  get(key: string): State | undefined {
    return this.#slots.get(key)?.state;
  }

  /** A key's slot, or undefined for a key never set (then `insert`, not `update`). */
  slot(key: string): StateSlot<State> | undefined {
    return this.#slots.get(key);
  }

  /** Sets a key's state and remembers it for the next changelog write. */
  set(key: string, state: State): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) this.insert(key, state);
    else this.update(slot, state);
  }

  /** Sets the state of a key that has no slot yet. */
  insert(key: string, state: State): void {
    const slot: StateSlot<State> = { key, state, dirty: true };
    this.#slots.set(key, slot);
    this.#dirty.push(slot);
    if (this.#timerOf) this.#index(key, state);
  }

  /** Sets the state of the key of `slot` (from `slot`, on this store). */
  update(slot: StateSlot<State>, state: State): void {
    slot.state = state;
    if (!slot.dirty) {
      slot.dirty = true;
      this.#dirty.push(slot);
    }
    if (this.#timerOf) this.#index(slot.key, state);
  }

  /** Loads a changelog record during restore (not marked dirty). `null` removes the key. */
  restore(key: string, serialized: Buffer | null): void {
    const slot = this.#slots.get(key);
    if (serialized === null) {
      if (slot !== undefined) {
        slot.state = undefined;
        this.#slots.delete(key);
      }
      this.#index(key, undefined);
    } else {
      const state = decodeState(serialized) as State;
      if (slot === undefined) this.#slots.set(key, { key, state, dirty: false });
      else slot.state = state;
      this.#index(key, state);
    }
  }

  /** The changelog records of the keys changed since the last call, and forgets them. */
  takeChanges(): { key: string; value: Buffer | null }[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    return dirty.map((slot) => {
      slot.dirty = false;
      return { key: slot.key, value: slot.state === undefined ? null : encodeState(slot.state) };
    });
  }

  get size(): number {
    return this.#slots.size;
  }
}
