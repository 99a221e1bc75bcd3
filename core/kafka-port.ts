/**
 * The Kafka port: the only Kafka vocabulary the rest of tradewatch speaks. Processors never see it;
 * the CLI, the topic catalogue and the processor runtime use these types, and the `kafkajs-*.ts` files
 * are the one adapter that implements them (what they throw is a TradewatchError with `retriable`
 * set). Swapping the client library means writing another adapter.
 *
 * Terminology:
 * - topic names here are physical names (TOPIC_PREFIX already applied); the catalogue adds the prefix;
 * - offsets are decimal strings (Kafka offsets are 64-bit and may pass 2^53);
 * - headers are UTF-8 strings on the way out and raw bytes on the way in (Kafka does not type them).
 */

/** A record to produce. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Explicit partition; default: chosen from the key by the client's partitioner (murmur2, as the Java client). */
  readonly partition?: number;
  /** Record timestamp in epoch ms; default: now. */
  readonly timestamp?: number;
}

/** A record as consumed. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/** Where a topic should be, or is. `configs` holds topic-level configuration such as `retention.ms`. */
export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * A partition's offsets: `low` is the first offset still stored, `high` the end as read-committed readers
 * see it, the last stable offset (the next offset to be written, unless a transaction is still open there).
 */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** A record's place in a partition. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Where {@link KafkaAdmin.resetGroupOffsets} moves a consumer group on a topic: `end`, past every record
 * already visible to read-committed readers (the group reads only what comes after); `start`, to the
 * first record still stored (the group reads the topic's whole retained history).
 */
export type OffsetResetTarget = 'end' | 'start';

/** One partition of a {@link KafkaAdmin.resetGroupOffsets}: the group's committed offset before and after. */
export interface GroupOffsetReset {
  readonly partition: number;
  /** The offset the group had committed before; null when it had none (it never read the partition). */
  readonly before: string | null;
  /** The offset committed now (on a dry run: the offset that would be). */
  readonly after: string;
}

/** One member of a consumer group: a running instance's consumer. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  /** Where it connects from, as the broker sees it (`10.0.0.5`). */
  readonly host: string;
  /** The partitions assigned to it, by topic (none while the group rebalances). */
  readonly assignment: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

/** A consumer group as its coordinator describes it. */
export interface GroupDescription {
  readonly groupId: string;
  /**
   * Kafka's group state: `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty` (no members,
   * offsets kept) or `Dead` (no such group).
   */
  readonly state: string;
  readonly members: readonly GroupMember[];
}

/** A group's committed offset on one partition, with the metadata committed beside it. */
export interface CommittedOffset extends RecordPosition {
  /** What the committer wrote beside the offset (the processor runner: see COMMIT_METADATA), or null. */
  readonly metadata: string | null;
}

/** What a cluster says of itself. */
export interface ClusterInfo {
  readonly brokers: number;
  /** Node id of the active controller, null while there is none. */
  readonly controller: number | null;
}

export interface KafkaAdmin {
  describeCluster(): Promise<ClusterInfo>;
  listTopics(): Promise<string[]>;
  /** Describes existing topics with the given config keys; topics that do not exist are left out. */
  describeTopics(names: readonly string[], configKeys: readonly string[]): Promise<TopicState[]>;
  createTopics(topics: readonly TopicState[]): Promise<void>;
  alterTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void>;
  deleteTopics(names: readonly string[]): Promise<void>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  /**
   * Describes consumer groups, members and their assignments included (one request per coordinator).
   * A group that does not exist comes back `Dead`, without members.
   */
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]>;
  /**
   * Every offset each group committed, on every topic it committed on, with the commit metadata (the
   * groups are asked concurrently, one request each). A group without offsets maps to an empty list.
   */
  committedOffsets(groupIds: readonly string[]): Promise<ReadonlyMap<string, readonly CommittedOffset[]>>;
  /**
   * Per partition of `topic`, in partition order, the offset of the first record whose timestamp is at
   * or after `timestamp` (epoch ms); the partition's end when it has none.
   */
  offsetsAt(topic: string, timestamp: number): Promise<{ partition: number; offset: string }[]>;
  /** The committed offsets of a consumer group (asks the group coordinator). */
  groupOffsets(groupId: string, topics?: readonly string[]): Promise<RecordPosition[]>;
  /**
   * Sets the committed offsets of consumer group `groupId` on every partition of `topic` to the topic's
   * end or start (see {@link OffsetResetTarget}); the group's offsets on other topics are left as they
   * are. Returns, per partition in partition order, the offset committed before and the one set.
   *
   * The end is each partition's last stable offset (LSO), not its high watermark: our consumers read
   * committed records only, and the LSO is where such a reader is "now". Records of a transaction still
   * open at the reset lie between the LSO and the high watermark; starting at the high watermark would
   * skip them for good once that transaction commits, while starting at the LSO reads them then.
   *
   * Kafka only lets a group's offsets be changed while the group has no members: a group with running
   * consumers is refused (TW_KAFKA_FAILED, naming the members), and so is a dry run of it, since the
   * real run would be. With `dryRun` nothing is changed and the offsets that would be set are returned.
   * A topic that does not exist: TW_TOPIC_UNKNOWN.
   */
  resetGroupOffsets(
    groupId: string,
    topic: string,
    to: OffsetResetTarget,
    options?: { readonly dryRun?: boolean },
  ): Promise<GroupOffsetReset[]>;
  /**
   * Waits until read-committed consumers can see each position (the partition's last stable offset is
   * past it). A committed transaction's markers are written after the commit returns, so a reader that
   * must see a transaction just produced waits for this first. Throws TW_TIMEOUT after `timeoutMs`.
   */
  waitUntilVisible(positions: readonly RecordPosition[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaProducer {
  /**
   * Sends and waits for the acknowledgement of every record (acks=all, idempotent). Returns, per
   * partition written, the position of the last batch written there.
   */
  send(records: readonly OutgoingRecord[]): Promise<RecordPosition[]>;
  /**
   * Sends all records in one Kafka transaction: read-committed consumers see all of them or none.
   * Needs a producer created with a `transactionalId`. Returns, per partition written, the position of
   * the last batch written there (see {@link KafkaAdmin.waitUntilVisible}).
   */
  sendAtomically(records: readonly OutgoingRecord[], options?: AtomicSendOptions): Promise<RecordPosition[]>;
  close(): Promise<void>;
}

export interface AtomicSendOptions {
  /**
   * Consumer offsets committed in the same transaction (consume-transform-produce): the records and
   * the input position become visible together, or neither does.
   */
  readonly consumerOffsets?: {
    readonly groupId: string;
    readonly offsets: readonly RecordPosition[];
    /** Committed beside each offset (Kafka's offset metadata, read back by `committedOffsets`). Default none. */
    readonly metadata?: string;
  };
  /**
   * Awaited after the records and offsets were sent, before the transaction commits: work that must be
   * done before anything becomes visible, run while the sends are under way (the processor runtime's
   * sink flush). If it rejects, the transaction is aborted and its error thrown. Default none.
   */
  readonly beforeCommit?: () => Promise<void>;
}

export interface ProducerOptions {
  /** Enables transactions (`sendAtomically`). Must be unique per producing instance. Default: none. */
  readonly transactionalId?: string;
  /**
   * How long the broker lets a transaction stay open before aborting it. A crashed producer's open
   * transaction holds back read-committed consumers of its partitions until then. Default 15000 ms.
   */
  readonly transactionTimeoutMs?: number;
}

/** What a batch handler may do besides reading its records. */
export interface BatchContext {
  readonly topic: string;
  readonly partition: number;
  /**
   * Whether the batch reached the partition's end as the broker reported it with the fetch (nothing
   * more was there to read). Unknown (undefined) counts as reached.
   */
  readonly reachedEnd?: boolean;
  /** Tells the group coordinator this consumer is alive; call it during long work on one batch. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was taken away: stop early. */
  isActive(): boolean;
}

/**
 * Called with each fetched batch of one partition. When it resolves, the batch counts as handled and
 * the next one follows (with {@link ConsumerOptions.batchesAtOnce}, batches of other partitions of the
 * same fetch may already be in hand); when it throws, the same records are delivered again (after the client's
 * retries, by a restarted consumer that rejoins its group).
 */
export type BatchHandler = (records: readonly IncomingRecord[], batch: BatchContext) => Promise<void> | void;

/** The partitions this member owns after joining its group. */
export type AssignmentHandler = (
  assigned: readonly { topic: string; partitions: readonly number[] }[],
) => void;

/** Hooks besides the batch handler. */
export interface ConsumerHooks {
  /** After each batch of a partition, including batches of only control records. */
  readonly onPosition?: (event: PositionEvent) => void;
  /** After every (re)join of the group, with the partitions now owned. */
  readonly onAssignment?: AssignmentHandler;
  /** When the client gives up on the consumer (a crash it will not restart from). */
  readonly onFatal?: (error: Error) => void;
}

/** Reported after each batch of a partition, including batches of only control records. */
export interface PositionEvent {
  readonly topic: string;
  readonly partition: number;
  /** The next offset this consumer will read on that partition. */
  readonly nextOffset: string;
  readonly highWatermark: string;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Start at the earliest stored offset when the group has no committed offset. Default false (latest). */
  readonly fromBeginning?: boolean;
  /** Commit offsets automatically after each batch. Default false. */
  readonly autoCommit?: boolean;
  /**
   * How long the group waits for a silent member before giving its partitions to others (a crashed
   * instance's partitions move after this). Default 10000 ms (the broker's minimum is 6000).
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Where to start on these partitions, whatever the group committed (the first fetch of each starts
   * there). Default: the committed offsets, else as `fromBeginning` says.
   */
  readonly startAt?: readonly RecordPosition[];
  /**
   * How many batches of one fetch (each of another partition) `onBatch` is given before the first of
   * them resolved, so that a handler that queues them can gather them (the processor runtime commits
   * the batches of a fetch in one transaction). A partition's next batch comes only after its previous
   * one resolved; the next fetch waits for every batch of this one. Default 1 (one batch at a time).
   */
  readonly batchesAtOnce?: number;
}

export interface KafkaConsumer {
  /** Joins the group and calls `onBatch` for every batch until closed. Resolves once running. */
  run(onBatch: BatchHandler, hooks?: ConsumerHooks): Promise<void>;
  /**
   * Makes the next fetch of a partition this member owns start at `offset` (records handled since
   * are delivered again); the group's committed offset does not move. Ignored for a partition it
   * does not own.
   */
  seek(topic: string, partition: number, offset: string): void;
  /** Stops fetching, lets the batch in hand finish, then leaves the group. Idempotent. */
  close(): Promise<void>;
}

/** The one entry point to Kafka. */
export interface KafkaClient {
  admin(): Promise<KafkaAdmin>;
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): Promise<KafkaConsumer>;
}
