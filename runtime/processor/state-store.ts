/**
 * The keyed state of one processor in one partition, kept durable through a changelog topic.
 *
 * Mechanism (as Kafka Streams does it, in a Kafka transaction): after every batch, the state of each
 * key the batch touched is written (state-codec.ts: compact binary with JSON's semantics) to the processor's compacted changelog topic, in the SAME
 * partition as the input and in the SAME transaction as the batch's outputs and its input offsets. So
 * the committed input position, the committed outputs and the committed state always agree. When a
 * partition is assigned (start, restart, rebalance), its state is rebuilt by reading its changelog
 * partition to the end (read-committed: an aborted batch's state is never seen), and processing resumes
 * from the committed input offset, where that state belongs.
 */
import { decodeState, encodeState } from './state-codec.ts';

export class PartitionState<State> {
  readonly partition: number;
  readonly #states = new Map<string, State>();
  readonly #dirty = new Set<string>();
  /** Due time of each key's timer (the processor's `timer(state)`), for keys that have one. */
  readonly #due = new Map<string, number>();
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
    else this.#due.set(key, due);
  }

  /** The keys whose timer is due at `now`, earliest first. */
  dueKeys(now: number): string[] {
    return [...this.#due]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .map(([key]) => key);
  }

  get(key: string): State | undefined {
    return this.#states.get(key);
  }

  /** Sets a key's state and remembers it for the next changelog write. */
  set(key: string, state: State): void {
    this.#states.set(key, state);
    this.#dirty.add(key);
    this.#index(key, state);
  }

  /** Loads a changelog record during restore (not marked dirty). `null` removes the key. */
  restore(key: string, serialized: Buffer | null): void {
    if (serialized === null) {
      this.#states.delete(key);
      this.#index(key, undefined);
    } else {
      const state = decodeState(serialized) as State;
      this.#states.set(key, state);
      this.#index(key, state);
    }
  }

  /** The changelog records of the keys changed since the last call, and forgets them. */
  takeChanges(): { key: string; value: Buffer | null }[] {
    const changes = [...this.#dirty].map((key) => {
      const state = this.#states.get(key);
      return { key, value: state === undefined ? null : encodeState(state) };
    });
    this.#dirty.clear();
    return changes;
  }

  get size(): number {
    return this.#states.size;
  }
}
