/**
 * Delivers the alerts of a topic (`alerts` by default) through one notifier, at least once, in its own
 * consumer group `<prefix>tradewatch.notify.<notifier>`:
 *
 * - each alert is sent (retried with backoff while the consumer heartbeats) and its offset committed
 *   only once the receiver accepted it, it was reported on the fallback route (refused for good), or
 *   it was parked;
 * - an alert the receiver did not accept within the policy's attempts and time is **parked**: written to
 *   `alerts.retry` (same key, value and partition, headers naming the notifier, attempts and last error)
 *   in the same Kafka transaction that commits its input offset, so it is never both lost and skipped;
 * - a destination that made an alert park is **down** until a probe succeeds: alerts for it that
 *   arrive meanwhile are parked without an attempt, and every `probeIntervalMs` its oldest parked alert
 *   is tried again; the first success, a probe's or a live alert's, drains the parked alerts in order;
 * - parked alerts are read back at start-up (and after a rebalance) from this group's committed offsets
 *   on `alerts.retry`, which move only as parked alerts are delivered, so a restart loses none.
 *
 * Order per fingerprint: both topics are keyed by fingerprint and a parked alert stays on its input
 * partition's number, so one fingerprint's alerts live in one input partition and one retry partition,
 * both read by the owner of that input partition. The rule: **while an alert of a fingerprint is
 * parked, every later alert of that fingerprint is parked behind it**, and parked alerts are delivered
 * strictly in the order they were parked (per partition, head first). So a `resolved` never overtakes
 * its `firing`. (The price: a parked alert whose destination stays down holds back the parked alerts
 * behind it in the same partition, whatever their destination.)
 *
 * Duplicates: a receiver may see an alert twice only if the process dies between the receiver's
 * acceptance and the offset commit (one alert per partition at most); a graceful stop finishes the
 * alert in hand and commits it. PagerDuty (dedup_key) and Alertmanager (label set) absorb such repeats.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock } from '../../runtime/clock.ts';
import { ConfigError, TradewatchError, errorCode, toError } from '../../runtime/errors.ts';
import {
  readToEnd,
  type BatchContext,
  type IncomingRecord,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConsumer,
  type KafkaProducer,
  type OutgoingRecord,
  type RecordPosition,
} from '../../runtime/kafka/index.ts';
import type { Logger } from '../../runtime/logger.ts';
import { SchemaRegistry, type Alert, type Codec } from '../../schemas/index.ts';
import { deadLetterHeaders, findTopic, physicalName } from '../../topics/index.ts';
import { deliverWithRetries, type AttemptsOutcome } from './delivery-attempts.ts';
import {
  compileDeliveryPolicy,
  type CompiledDeliveryPolicy,
  type DeliveryPolicy,
} from './delivery-options.ts';
import { parkedHeaders, readParkedHeaders } from './delivery-parked.ts';
import { LogNotifier } from './log-notifier.ts';
import { realSleep, type Sleep } from './sleep.ts';
import type { DeliveryResult, Notification, Notifier } from './types.ts';

/** The logical name of the parking topic. */
export const RETRY_TOPIC = 'alerts.retry';
/** How often a waiting batch handler tells the group coordinator it is alive, in real ms. */
const HEARTBEAT_EVERY_MS = 1_000;

/** Attempts at one commit transaction that meets a transient Kafka error. */
const COMMIT_ATTEMPTS = 10;
const COMMIT_RETRY_MS = 100;

/** Whether a Kafka failure is worth a new transaction: kafkajs marks transient errors `retriable`. */
function transient(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    const fields = current as unknown as { retriable?: unknown; type?: unknown; originalError?: unknown };
    if (fields.retriable === true && !(current instanceof TradewatchError)) return true;
    if (fields.type === 'CONCURRENT_TRANSACTIONS' || /concurrent operation/i.test(current.message))
      return true;
    current = current.cause ?? fields.originalError;
  }
  return false;
}

/** `call`, tried up to 5 times, 200 ms apart, before its error is thrown. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error: unknown) {
      if (attempt >= 5) throw error;
      await delay(200);
    }
  }
}

/** The consumer group of a notifier (physical name). */
export function notifierGroup(notifier: string, prefix: string): string {
  return `${prefix}tradewatch.notify.${notifier}`;
}

export interface NotifierRunnerOptions {
  readonly kafka: KafkaClient;
  /** A child logger `component: notifier` is made. */
  readonly logger: Logger;
  /** The notifier. The runner does not close it. */
  readonly notifier: Notifier;
  /**
   * Where permanent failures are reported (with the alert and the reason): another notifier, e.g. a
   * Slack ops channel. Tried with the same retry policy, never parked. Default: an error log line.
   */
  readonly fallback?: Notifier;
  /** TOPIC_PREFIX. Default ''. */
  readonly topicPrefix?: string;
  /** The logical topic of Alert records to deliver (a catalogue topic of Alert values). Default `alerts`. */
  readonly inputTopic?: string;
  /** Retries, backoff and probes. Defaults: see DELIVERY_DEFAULTS. */
  readonly delivery?: DeliveryPolicy;
  /**
   * Where a group with no committed offset starts: true at the earliest stored alert, false at the
   * next one produced. Default false (a new notifier does not replay the topic's history).
   */
  readonly fromBeginning?: boolean;
  /** Consumer group session timeout, in ms. Default 10 000. */
  readonly sessionTimeoutMs?: number;
  /** How often, in real ms, the runner looks for a due probe while no alert arrives. Default 1 000. */
  readonly tickMs?: number;
  /** Time for backoff, probes and headers. Default the system clock. */
  readonly clock?: Clock;
  /** How backoff waits. Default real timers. */
  readonly sleep?: Sleep;
  /** The schema registry. Default loaded from schemas/. */
  readonly registry?: SchemaRegistry;
}

/** Counters since start. */
export interface NotifierRunnerStats {
  /** Alert records read from the input topic. */
  readonly received: number;
  /** Alerts the receiver accepted when they arrived. */
  readonly delivered: number;
  /** Alerts put on the retry topic. */
  readonly parked: number;
  /** Parked alerts delivered later. */
  readonly drained: number;
  /** Alerts refused for good (reported on the fallback route). */
  readonly rejected: number;
  /** Reports the fallback route did not accept either (logged). */
  readonly fallbackFailed: number;
  /** Undecodable input records sent to `dlq`. */
  readonly deadLettered: number;
  /** Sends made to the notifier (attempts, probes included). */
  readonly attempts: number;
  /** Parked alerts not delivered yet, in the partitions this runner owns. */
  readonly pending: number;
}

interface ParkedEntry {
  readonly alert: Alert;
  /** Its offset on the retry topic. */
  readonly offset: bigint;
  readonly parkedAt: number;
  attempts: number;
}

/** The parked alerts of one input partition (= one retry partition) owned by this runner. */
interface PartitionQueue {
  readonly partition: number;
  /** Undelivered parked alerts, oldest first. */
  readonly entries: ParkedEntry[];
  /** Parked alerts per fingerprint. */
  readonly fingerprints: Map<string, number>;
  /** The next retry-topic offset after every record this runner knows of. */
  knownEnd: bigint;
}

/** A destination that made an alert park: no attempt before `probeAt`. */
interface Outage {
  readonly since: number;
  probeAt: number;
  reason: string;
}

/** One lock for everything that uses the transactional producer or a queue. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return acquired;
  }
}

export class NotifierRunner {
  readonly #options: NotifierRunnerOptions;
  readonly #notifier: Notifier;
  readonly #fallback: Notifier;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #policy: CompiledDeliveryPolicy;
  readonly #groupId: string;
  readonly #input: string;
  readonly #retry: string;
  readonly #dlq: string;
  readonly #mutex = new Mutex();
  readonly #stop = new AbortController();
  readonly #queues = new Map<number, Promise<PartitionQueue>>();
  /** Queues whose load finished (for the tick and the stats). */
  readonly #loaded = new Map<number, PartitionQueue>();
  readonly #outages = new Map<string, Outage>();
  readonly #failure = Promise.withResolvers<Error>();
  #codec: Codec<Alert> | undefined;
  #admin: KafkaAdmin | undefined;
  #producer: KafkaProducer | undefined;
  #consumer: KafkaConsumer | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #ticking = false;
  #closing: Promise<void> | undefined;
  #stats = {
    received: 0,
    delivered: 0,
    parked: 0,
    drained: 0,
    rejected: 0,
    fallbackFailed: 0,
    deadLettered: 0,
    attempts: 0,
  };

  private constructor(options: NotifierRunnerOptions) {
    this.#options = options;
    this.#notifier = options.notifier;
    this.#fallback = options.fallback ?? new LogNotifier({ name: 'log', logger: options.logger });
    this.#log = options.logger.child({ component: 'notifier', notifier: options.notifier.name });
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? realSleep;
    this.#policy = compileDeliveryPolicy(options.delivery);
    const prefix = options.topicPrefix ?? '';
    if (!/^[a-z][a-z0-9_-]*$/.test(options.notifier.name)) {
      throw new ConfigError([
        `notifier name "${options.notifier.name}": expected lower-case letters, digits, "-" and "_", starting with a letter`,
      ]);
    }
    const inputName = options.inputTopic ?? 'alerts';
    const input = findTopic(inputName);
    if (input === undefined || input.value.kind !== 'avro' || input.value.type !== 'Alert') {
      throw new ConfigError([
        `notifier ${options.notifier.name}: input topic "${inputName}" is not a catalogue topic of Alert records`,
      ]);
    }
    this.#groupId = notifierGroup(options.notifier.name, prefix);
    this.#input = physicalName(inputName, prefix);
    this.#retry = physicalName(RETRY_TOPIC, prefix);
    this.#dlq = physicalName('dlq', prefix);
  }

  /** Creates the runner, checks the topics, joins the group and starts delivering. */
  static async start(options: NotifierRunnerOptions): Promise<NotifierRunner> {
    const runner = new NotifierRunner(options);
    try {
      await runner.#start();
    } catch (error: unknown) {
      await runner.close().catch(() => undefined);
      throw error;
    }
    return runner;
  }

  /** The consumer group (physical name). */
  get groupId(): string {
    return this.#groupId;
  }

  /** Resolves with the error if the Kafka client gives up on the consumer. */
  get failure(): Promise<Error> {
    return this.#failure.promise;
  }

  stats(): NotifierRunnerStats {
    return { ...this.#stats, pending: this.#pendingNow() };
  }

  /**
   * Stops: no new alert is started, a backoff wait ends at once (that alert stays uncommitted and is
   * delivered again on the next start), an alert in flight finishes and is committed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { kafka } = this.#options;
    this.#codec = (this.#options.registry ?? (await SchemaRegistry.load())).codec('Alert');
    this.#admin = await kafka.admin();
    const described = await this.#admin.describeTopics([this.#input, this.#retry], []);
    const partitionsOf = (topic: string): number => {
      const found = described.find((t) => t.name === topic);
      if (found === undefined) {
        throw new TradewatchError(
          'TW_TOPIC_UNKNOWN',
          `topic ${topic} does not exist: create the catalogue's topics with \`tradewatch topics apply\``,
        );
      }
      return found.partitions;
    };
    const inputPartitions = partitionsOf(this.#input);
    const retryPartitions = partitionsOf(this.#retry);
    if (retryPartitions < inputPartitions) {
      throw new ConfigError([
        `${this.#retry} has ${retryPartitions} partitions, fewer than ${this.#input} (${inputPartitions}): ` +
          'a parked alert keeps its partition number, so the retry topic needs at least as many',
      ]);
    }
    this.#producer = await kafka.producer({ transactionalId: `${this.#groupId}.${randomUUID()}` });
    this.#consumer = await kafka.consumer({
      groupId: this.#groupId,
      topics: [this.#input],
      fromBeginning: this.#options.fromBeginning ?? false,
      ...(this.#options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: this.#options.sessionTimeoutMs }),
    });
    await this.#consumer.run((records, batch) => this.#onBatch(records, batch), {
      onAssignment: (assigned) => this.#onAssignment(assigned),
      onFatal: (error) => {
        this.#log.error({ err: error }, 'the Kafka consumer stopped for good');
        this.#failure.resolve(error);
      },
    });
    this.#ticker = setInterval(() => this.#tick(), this.#options.tickMs ?? 1_000);
    this.#log.info({ group: this.#groupId, input: this.#input, retry: this.#retry }, 'notifier running');
  }

  async #close(): Promise<void> {
    this.#stop.abort();
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    let first: Error | undefined;
    const step = async (what: () => Promise<void> | undefined) => {
      try {
        await what();
      } catch (error: unknown) {
        first ??= toError(error);
      }
    };
    await step(() => this.#consumer?.close());
    // Whatever holds the lock (a tick's drain) finishes before the producer goes.
    await step(async () => (await this.#mutex.acquire())());
    await step(() => this.#producer?.close());
    await step(() => this.#admin?.close());
    this.#log.info({ stats: this.stats() }, 'notifier stopped');
    if (first !== undefined) throw first;
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  #pendingNow(): number {
    let pending = 0;
    for (const queue of this.#loaded.values()) pending += queue.entries.length;
    return pending;
  }

  #onAssignment(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    const owned = new Set(assigned.find((a) => a.topic === this.#input)?.partitions ?? []);
    for (const partition of [...this.#queues.keys()]) {
      if (!owned.has(partition)) {
        this.#queues.delete(partition);
        this.#loaded.delete(partition);
      }
    }
    this.#log.info({ partitions: [...owned].sort((a, b) => a - b) }, 'partitions assigned');
    // Read the parked alerts back now, so they drain even if no new alert arrives.
    for (const partition of owned) {
      this.#queueOf(partition).catch((error: unknown) =>
        this.#log.error(
          { err: error, partition },
          'reading parked alerts back failed; the next batch retries',
        ),
      );
    }
  }

  /** The parked alerts of `partition`, read back from the retry topic the first time. */
  #queueOf(partition: number): Promise<PartitionQueue> {
    let queue = this.#queues.get(partition);
    if (queue === undefined) {
      queue = this.#loadQueue(partition);
      this.#queues.set(partition, queue);
      queue.then(
        (loaded) => {
          if (this.#queues.get(partition) !== undefined) this.#loaded.set(partition, loaded);
        },
        () => {
          // The batch handler that asked throws; the next batch tries again.
          this.#queues.delete(partition);
        },
      );
    }
    return queue;
  }

  async #loadQueue(partition: number): Promise<PartitionQueue> {
    const admin = this.#admin!;
    const committed = (await admin.groupOffsets(this.#groupId, [this.#retry])).find(
      (p) => p.topic === this.#retry && p.partition === partition,
    );
    // Right after the topics are created their metadata may still be spreading: ask again a few times.
    const offsets = (await retrying(() => admin.offsets(this.#retry))).find((p) => p.partition === partition);
    const low = BigInt(offsets?.low ?? '0');
    const high = BigInt(offsets?.high ?? '0');
    const committedOffset =
      committed === undefined || committed.offset === '-1' ? undefined : BigInt(committed.offset);
    if (committedOffset !== undefined && committedOffset < low) {
      this.#log.error(
        { partition, committed: String(committedOffset), low: String(low) },
        `parked alerts expired from ${this.#retry} before they were delivered (its retention passed)`,
      );
    }
    const from = committedOffset === undefined || committedOffset < low ? low : committedOffset;
    const queue: PartitionQueue = { partition, entries: [], fingerprints: new Map(), knownEnd: high };
    if (from >= high) return queue;
    await readToEnd(this.#options.kafka, admin, {
      topic: this.#retry,
      partitions: [partition],
      groupPrefix: `${this.#groupId}.load`,
      onRecords: (records) => {
        for (const record of records) {
          if (BigInt(record.offset) < from || record.value === null) continue;
          const info = readParkedHeaders(record.headers);
          if (info.notifier !== this.#notifier.name || info.sourceTopic !== this.#input) continue;
          let alert: Alert;
          try {
            alert = this.#codec!.decode(record.value);
          } catch (error: unknown) {
            this.#log.error(
              { err: error, partition, offset: record.offset },
              'a parked record does not decode: skipped',
            );
            continue;
          }
          this.#push(queue, {
            alert,
            offset: BigInt(record.offset),
            parkedAt: info.parkedAt,
            attempts: info.attempts,
          });
        }
      },
    });
    if (queue.entries.length > 0) {
      this.#log.info(
        { partition, parked: queue.entries.length },
        'parked alerts found: they are delivered first',
      );
    }
    return queue;
  }

  #push(queue: PartitionQueue, entry: ParkedEntry): void {
    queue.entries.push(entry);
    const fp = entry.alert.fingerprint;
    queue.fingerprints.set(fp, (queue.fingerprints.get(fp) ?? 0) + 1);
    if (entry.offset + 1n > queue.knownEnd) queue.knownEnd = entry.offset + 1n;
  }

  #shift(queue: PartitionQueue): void {
    const entry = queue.entries.shift();
    if (entry === undefined) return;
    const fp = entry.alert.fingerprint;
    const left = (queue.fingerprints.get(fp) ?? 1) - 1;
    if (left === 0) queue.fingerprints.delete(fp);
    else queue.fingerprints.set(fp, left);
  }

  async #onBatch(records: readonly IncomingRecord[], batch: BatchContext): Promise<void> {
    if (batch.topic !== this.#input || this.#stopping) return;
    const release = await this.#lockWithHeartbeat(batch);
    try {
      const queue = await this.#queueOf(batch.partition);
      for (const record of records) {
        if (this.#stopping || !batch.isActive()) return;
        await this.#handle(queue, record, batch);
      }
    } finally {
      release();
    }
  }

  /** Takes the lock, heartbeating while a tick's drain holds it. */
  async #lockWithHeartbeat(batch: BatchContext): Promise<() => void> {
    const acquiring = this.#mutex.acquire();
    for (;;) {
      const pause = new AbortController();
      const release = await Promise.race([
        acquiring,
        delay(HEARTBEAT_EVERY_MS, undefined, { signal: pause.signal }).then(
          () => undefined,
          () => undefined,
        ),
      ]);
      pause.abort();
      if (release !== undefined) return release;
      await batch.heartbeat().catch(() => undefined);
    }
  }

  async #handle(queue: PartitionQueue, record: IncomingRecord, batch: BatchContext): Promise<void> {
    this.#stats.received += 1;
    const next = {
      topic: this.#input,
      partition: record.partition,
      offset: (BigInt(record.offset) + 1n).toString(),
    };
    let alert: Alert;
    try {
      if (record.value === null)
        throw new TradewatchError('TW_RECORD_INVALID', 'an alert record without a value');
      alert = this.#codec!.decode(record.value);
    } catch (error: unknown) {
      await this.#commit([this.#deadLetter(record, error)], [next]);
      this.#stats.deadLettered += 1;
      this.#log.warn(
        { err: error, partition: record.partition, offset: record.offset },
        'undecodable alert dead-lettered',
      );
      return;
    }

    // Older parked alerts first, when their destination may take them.
    await this.#drain(queue, batch);
    if (this.#stopping) return;

    const notification: Notification = { alerts: [alert] };
    const destination = this.#notifier.destinationOf(notification);
    if (queue.fingerprints.has(alert.fingerprint)) {
      await this.#park(
        queue,
        record,
        alert,
        destination,
        0,
        'an earlier alert of this fingerprint is parked: kept behind it',
      );
      return;
    }
    const outage = this.#outages.get(destination);
    if (outage !== undefined && this.#clock.now() < outage.probeAt) {
      await this.#park(queue, record, alert, destination, 0, `destination down: ${outage.reason}`);
      return;
    }

    const outcome = await this.#attempts(notification, batch);
    if (outcome.aborted) return;
    const { result } = outcome;
    if (result.outcome === 'accepted') {
      await this.#commit([], [next]);
      this.#stats.delivered += 1;
      this.#up(destination);
      await this.#drain(queue, batch);
    } else if (result.outcome === 'permanent') {
      await this.#reject(alert, destination, result.reason, batch);
      await this.#commit([], [next]);
    } else {
      await this.#park(queue, record, alert, destination, outcome.attempts, result.reason);
      this.#down(destination, result.reason);
    }
  }

  /** Sends with the retry policy, heartbeating while waiting. */
  #attempts(
    notification: Notification,
    batch: BatchContext | undefined,
    maxAttempts?: number,
  ): Promise<AttemptsOutcome> {
    return deliverWithRetries(
      () => {
        this.#stats.attempts += 1;
        return this.#send(this.#notifier, notification);
      },
      this.#policy,
      {
        clock: this.#clock,
        signal: this.#stop.signal,
        wait: (ms) => this.#wait(ms, batch),
        onRetry: (result, attempt, waitMs) =>
          this.#log.warn(
            {
              fingerprint: notification.alerts[0]?.fingerprint,
              destination: this.#notifier.destinationOf(notification),
              attempt,
              waitMs,
              code: 'TW_NOTIFY_UNAVAILABLE',
              reason: 'reason' in result ? result.reason : undefined,
            },
            'delivery failed; retrying',
          ),
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      },
    );
  }

  /** A send that never throws: a thrown error is a bug in the notifier, retried like an outage. */
  async #send(notifier: Notifier, notification: Notification): Promise<DeliveryResult> {
    try {
      return await notifier.send(notification);
    } catch (error: unknown) {
      this.#log.error({ err: error }, `notifier ${notifier.name} threw instead of returning a result`);
      return { outcome: 'retriable', reason: `notifier error (${toError(error).name})` };
    }
  }

  /** Waits `ms` on the injected sleep, in slices, heartbeating between them. */
  async #wait(ms: number, batch: BatchContext | undefined): Promise<void> {
    let left = ms;
    while (left > 0 && !this.#stopping) {
      const slice = Math.min(left, HEARTBEAT_EVERY_MS);
      await this.#sleep(slice, this.#stop.signal);
      left -= slice;
      await batch?.heartbeat().catch(() => undefined);
    }
  }

  #down(destination: string, reason: string): void {
    const now = this.#clock.now();
    const outage = this.#outages.get(destination);
    if (outage === undefined) {
      this.#outages.set(destination, { since: now, probeAt: now + this.#policy.probeIntervalMs, reason });
      this.#log.warn(
        { destination, code: 'TW_NOTIFY_UNAVAILABLE', reason, probeInMs: this.#policy.probeIntervalMs },
        'destination down: its alerts are parked until a probe gets through',
      );
    } else {
      outage.probeAt = now + this.#policy.probeIntervalMs;
      outage.reason = reason;
    }
  }

  #up(destination: string): void {
    const outage = this.#outages.get(destination);
    if (outage === undefined) return;
    this.#outages.delete(destination);
    this.#log.info({ destination, downMs: this.#clock.now() - outage.since }, 'destination back: draining');
  }

  /** Whether the oldest parked alert of `queue` may be tried now. */
  #headDue(queue: PartitionQueue): boolean {
    const head = queue.entries[0];
    if (head === undefined) return false;
    const outage = this.#outages.get(this.#notifier.destinationOf({ alerts: [head.alert] }));
    return outage === undefined || this.#clock.now() >= outage.probeAt;
  }

  /** Delivers parked alerts head first while their destination takes them. Caller holds the lock. */
  async #drain(queue: PartitionQueue, batch: BatchContext | undefined): Promise<void> {
    while (this.#headDue(queue) && !this.#stopping && (batch?.isActive() ?? true)) {
      const done = await this.#drainHead(queue, batch);
      if (!done) return;
      await batch?.heartbeat().catch(() => undefined);
    }
  }

  /** Tries the oldest parked alert once through the policy; true when it left the queue. */
  async #drainHead(queue: PartitionQueue, batch: BatchContext | undefined): Promise<boolean> {
    const head = queue.entries[0];
    if (head === undefined) return false;
    const notification: Notification = { alerts: [head.alert] };
    const destination = this.#notifier.destinationOf(notification);
    // A destination known to be down gets one attempt (the probe); an unknown one the whole policy.
    const probing = this.#outages.has(destination);
    const outcome = await this.#attempts(notification, batch, probing ? 1 : undefined);
    head.attempts += outcome.attempts;
    if (outcome.aborted) return false;
    const { result } = outcome;
    if (result.outcome === 'retriable') {
      this.#down(destination, result.reason);
      return false;
    }
    if (result.outcome === 'permanent') await this.#reject(head.alert, destination, result.reason, batch);
    const after = queue.entries[1]?.offset ?? queue.knownEnd;
    await this.#commit([], [{ topic: this.#retry, partition: queue.partition, offset: after.toString() }]);
    this.#shift(queue);
    if (result.outcome === 'accepted') {
      this.#stats.drained += 1;
      this.#up(destination);
      this.#log.info(
        {
          fingerprint: head.alert.fingerprint,
          status: head.alert.status,
          attempts: head.attempts,
          destination,
        },
        'parked alert delivered',
      );
    }
    return true;
  }

  async #park(
    queue: PartitionQueue,
    record: IncomingRecord,
    alert: Alert,
    destination: string,
    attempts: number,
    reason: string,
  ): Promise<void> {
    const parked: OutgoingRecord = {
      topic: this.#retry,
      partition: record.partition,
      key: alert.fingerprint,
      value: record.value,
      headers: parkedHeaders({
        notifier: this.#notifier.name,
        destination,
        attempts,
        parkedAt: this.#clock.now(),
        errorCode: 'TW_NOTIFY_UNAVAILABLE',
        errorMessage: reason,
        sourceTopic: record.topic,
        sourcePartition: record.partition,
        sourceOffset: record.offset,
      }),
    };
    const next = {
      topic: this.#input,
      partition: record.partition,
      offset: (BigInt(record.offset) + 1n).toString(),
    };
    const written = await this.#commit([parked], [next]);
    const position = written.find((p) => p.topic === this.#retry && p.partition === record.partition);
    if (position === undefined) throw new TradewatchError('TW_INTERNAL', 'parking returned no position');
    this.#push(queue, { alert, offset: BigInt(position.offset), parkedAt: this.#clock.now(), attempts });
    this.#stats.parked += 1;
    this.#log.warn(
      {
        fingerprint: alert.fingerprint,
        status: alert.status,
        destination,
        attempts,
        code: 'TW_NOTIFY_UNAVAILABLE',
        reason,
      },
      `alert parked on ${RETRY_TOPIC}`,
    );
  }

  /** Reports a permanent failure on the fallback route (same retry policy, never parked). */
  async #reject(
    alert: Alert,
    destination: string,
    reason: string,
    batch: BatchContext | undefined,
  ): Promise<void> {
    this.#stats.rejected += 1;
    this.#log.error(
      {
        fingerprint: alert.fingerprint,
        status: alert.status,
        destination,
        code: 'TW_NOTIFY_REJECTED',
        reason,
      },
      `alert refused for good; reporting it to ${this.#fallback.name}`,
    );
    if (this.#fallback === this.#notifier) return;
    const report: Notification = {
      alerts: [alert],
      failure: { notifier: this.#notifier.name, destination, reason },
    };
    const outcome = await deliverWithRetries(() => this.#send(this.#fallback, report), this.#policy, {
      clock: this.#clock,
      signal: this.#stop.signal,
      wait: (ms) => this.#wait(ms, batch),
    });
    if (outcome.result.outcome !== 'accepted') {
      this.#stats.fallbackFailed += 1;
      this.#log.error(
        {
          fingerprint: alert.fingerprint,
          fallback: this.#fallback.name,
          code: 'TW_NOTIFY_REJECTED',
          reason,
          fallbackReason: 'reason' in outcome.result ? outcome.result.reason : undefined,
        },
        'the fallback route did not take the report either: this log line is the only trace',
      );
    }
  }

  /** Produces `records` and commits `offsets` for this group in one transaction. */
  async #commit(
    records: readonly OutgoingRecord[],
    offsets: readonly RecordPosition[],
  ): Promise<RecordPosition[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#producer!.sendAtomically(records, {
          consumerOffsets: { groupId: this.#groupId, offsets },
        });
      } catch (error: unknown) {
        // A transaction right after another may meet CONCURRENT_TRANSACTIONS while the broker still
        // writes the previous one's markers. The failed transaction was aborted (nothing of it is
        // visible), so trying again is safe; giving up here would send a delivered alert again.
        if (attempt >= COMMIT_ATTEMPTS || !transient(error)) throw error;
        this.#log.debug({ err: error, attempt }, 'commit failed; trying again');
        await delay(COMMIT_RETRY_MS * attempt);
      }
    }
  }

  #deadLetter(record: IncomingRecord, error: unknown): OutgoingRecord {
    return {
      topic: this.#dlq,
      key: record.key,
      value: record.value,
      headers: deadLetterHeaders({
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
        error: { code: errorCode(error), message: toError(error).message },
        failedAt: this.#clock.now(),
        failedBy: `notify.${this.#notifier.name}`,
        key: record.key,
        value: record.value,
        headers: record.headers,
      }),
    };
  }

  /** Drains, between batches, the queues whose head is due (one alert per lock, so batches get in). */
  #tick(): void {
    if (this.#ticking || this.#stopping) return;
    this.#ticking = true;
    this.#tickOnce()
      .catch((error: unknown) =>
        this.#log.error({ err: error }, 'draining parked alerts failed; next tick retries'),
      )
      .finally(() => {
        this.#ticking = false;
      });
  }

  async #tickOnce(): Promise<void> {
    for (const [partition, queue] of this.#loaded) {
      while (!this.#stopping && this.#headDue(queue)) {
        const release = await this.#mutex.acquire();
        try {
          // The runner may be stopping, or the partition may have moved, while waiting for the lock.
          if (this.#stopping || this.#loaded.get(partition) !== queue || !this.#headDue(queue)) break;
          if (!(await this.#drainHead(queue, undefined))) break;
        } finally {
          release();
        }
      }
    }
  }
}
