/**
 * The keyed state of one processor in one partition, kept durable through a changelog topic.
 *
 * Mechanism (as Kafka Streams does it, in a Kafka transaction): after every batch, the state of each
 * key the batch touched is written, as JSON, to the processor's compacted changelog topic, in the SAME
 * partition as the input and in the SAME transaction as the batch's outputs and its input offsets. So
 * the committed input position, the committed outputs and the committed state always agree. When a
 * partition is assigned (start, restart, rebalance), its state is rebuilt by reading its changelog
 * partition to the end (read-committed: an aborted batch's state is never seen), and processing resumes
 * from the committed input offset, where that state belongs.
 */
export class PartitionState<State> {
  readonly partition: number;
  readonly #states = new Map<string, State>();
  readonly #dirty = new Set<string>();

  constructor(partition: number) {
    this.partition = partition;
  }

  get(key: string): State | undefined {
    return this.#states.get(key);
  }

  /** Sets a key's state and remembers it for the next changelog write. */
  set(key: string, state: State): void {
    this.#states.set(key, state);
    this.#dirty.add(key);
  }

  /** Loads a changelog record during restore (not marked dirty). `null` removes the key. */
  restore(key: string, serialized: Buffer | null): void {
    if (serialized === null) this.#states.delete(key);
    else this.#states.set(key, JSON.parse(serialized.toString('utf8')) as State);
  }

  /** The changelog records of the keys changed since the last call, and forgets them. */
  takeChanges(): { key: string; value: Buffer | null }[] {
    const changes = [...this.#dirty].map((key) => {
      const state = this.#states.get(key);
      return { key, value: state === undefined ? null : Buffer.from(JSON.stringify(state), 'utf8') };
    });
    this.#dirty.clear();
    return changes;
  }

  get size(): number {
    return this.#states.size;
  }
}
