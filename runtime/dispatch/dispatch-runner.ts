/**
 * The long-running dispatcher: consumes `alerts` in its own group `<prefix>tradewatch.dispatch`
 * through the Kafka port, records each alert and its decisions in Postgres (one transaction per
 * alert), and only then commits the batch's offsets (a Kafka transaction with no records); a replay
 * after a crash decides again and inserts nothing twice (the log's unique key). Every `tickMs` (real
 * time; "now" from the injected clock) it re-notifies due alerts and delivers the outbox.
 * Undecodable records are dead-lettered to `dlq` in the same commit.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import { errorCode, toError } from '../../core/errors.ts';
import {
  commitAfter,
  commitMetadata,
  type IncomingRecord,
  type KafkaClient,
  type KafkaConsumer,
  type KafkaProducer,
  type OutgoingRecord,
} from '../kafka/index.ts';
import { firingAlerts, readAlertState } from '../alert-state.ts';
import { closeInOrder, startOrClose } from '../lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { deadLetterRecord } from '../processor/index.ts';
import { SchemaRegistry, type Alert, type Codec } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { compileDeliveryPolicy, type DeliveryPolicy } from '../../sinks/notifiers/delivery-options.ts';
import { realSleep, type Sleep } from '../../sinks/notifiers/sleep.ts';
import type { Notifier } from '../../sinks/notifiers/types.ts';
import { OutboxDelivery, type DeliveryRound } from '../../sinks/dispatch/delivery.ts';
import { Dispatcher } from '../../sinks/dispatch/dispatcher.ts';
import type { RoutingConfig } from '../../sinks/dispatch/routing.ts';
import type { DispatchStore } from '../../sinks/dispatch/store.ts';

export interface DispatchRunnerOptions {
  readonly kafka: KafkaClient;
  readonly store: DispatchStore;
  readonly routing: RoutingConfig;
  /** The notifiers by name; the runner does not close them. */
  readonly notifiers: ReadonlyMap<string, Notifier>;
  /** The fallback route of a notifier. Default: none (a log line). */
  readonly fallbackOf: (name: string) => Notifier;
  readonly logger: Logger;
  /** TOPIC_PREFIX. Default ''. */
  readonly topicPrefix?: string;
  /** Retries and probes of the delivery. Defaults: the notifiers' DELIVERY_DEFAULTS. */
  readonly delivery?: DeliveryPolicy;
  /**
   * Where a new group starts: the earliest stored alert (true: the whole history is decided again), or
   * (false, the default) the alerts firing now, read from the topic, then the next one.
   */
  readonly fromBeginning?: boolean;
  /**
   * At a first start (not `fromBeginning`): only the alerts firing now that started within this long are
   * delivered. Default one day (TW_NOTIFY_MAX_AGE_MS).
   */
  readonly firingMaxAgeMs?: number;
  /** How often, in real ms, the tick (re-notifications, delivery) runs. Default 1 000. */
  readonly tickMs?: number;
  readonly sessionTimeoutMs?: number;
  /** "Now" for every decision. Default the system clock. */
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly registry?: SchemaRegistry;
}

export interface DispatchRunnerStats {
  readonly received: number;
  readonly notificationsDecided: number;
  readonly deadLettered: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly stored: number;
}

/** The dispatcher's consumer group (physical name). */
export function dispatchGroup(prefix: string): string {
  return `${prefix}tradewatch.dispatch`;
}

export class DispatchRunner {
  readonly dispatcher: Dispatcher;
  readonly delivery: OutboxDelivery;
  readonly #o: DispatchRunnerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #groupId: string;
  readonly #abort = new AbortController();
  #codec: Codec<Alert> | undefined;
  #producer: KafkaProducer | undefined;
  #consumer: KafkaConsumer | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stats = { received: 0, notificationsDecided: 0, deadLettered: 0, delivered: 0, rejected: 0, stored: 0 };

  constructor(options: DispatchRunnerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ component: 'dispatch' });
    this.#groupId = dispatchGroup(options.topicPrefix ?? '');
    this.dispatcher = new Dispatcher({
      store: options.store,
      routing: options.routing,
      clock: this.#clock,
      logger: options.logger,
    });
    this.delivery = new OutboxDelivery({
      store: options.store,
      notifiers: options.notifiers,
      fallbackOf: options.fallbackOf,
      policy: compileDeliveryPolicy(options.delivery),
      clock: this.#clock,
      sleep: options.sleep ?? realSleep,
      logger: options.logger,
    });
  }

  get groupId(): string {
    return this.#groupId;
  }

  stats(): DispatchRunnerStats {
    return { ...this.#stats };
  }

  /** Joins the group and starts the tick. Resolves once consuming. */
  static start(options: DispatchRunnerOptions): Promise<DispatchRunner> {
    const runner = new DispatchRunner(options);
    return startOrClose(runner, () => runner.#start());
  }

  async #start(): Promise<void> {
    const prefix = this.#o.topicPrefix ?? '';
    this.#codec = (this.#o.registry ?? (await SchemaRegistry.load())).codec('Alert');
    this.#producer = await this.#o.kafka.producer({ transactionalId: `${this.#groupId}.${randomUUID()}` });
    if (this.#o.fromBeginning !== true) await this.#firstStart(physicalName('alerts', prefix));
    this.#consumer = await this.#o.kafka.consumer({
      groupId: this.#groupId,
      topics: [physicalName('alerts', prefix)],
      fromBeginning: this.#o.fromBeginning ?? false,
      ...(this.#o.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: this.#o.sessionTimeoutMs }),
    });
    await this.#consumer.run((records) => this.#onBatch(records), {
      onFatal: (error) => this.#log.error({ err: error }, 'the Kafka consumer stopped for good'),
    });
    this.#ticker = setInterval(() => void this.kick(), this.#o.tickMs ?? 1_000);
  }

  /**
   * A group without offsets (the first start) decides the alerts firing now, as read from the topic (at
   * most `firingMaxAgeMs` old; never resolved history), then commits the topic's end as where it goes
   * on from. A restart after that finds offsets and does nothing here.
   */
  async #firstStart(topic: string): Promise<void> {
    const admin = await this.#o.kafka.admin();
    try {
      const committed = await admin.groupOffsets(this.#groupId, [topic]);
      if (committed.some((o) => Number(o.offset) >= 0)) return;
      const registry = this.#o.registry ?? (await SchemaRegistry.load());
      const snapshot = await readAlertState(this.#o.kafka, admin, registry, topic);
      const since = this.#clock.now() - (this.#o.firingMaxAgeMs ?? 86_400_000);
      const firing = firingAlerts(snapshot);
      const recent = firing.filter((a) => a.starts_at >= since);
      // Decided before the offsets move: a crash in between decides them again (nothing twice).
      for (const alert of recent) await this.dispatcher.handle(alert);
      await this.#producer!.sendAtomically([], {
        consumerOffsets: {
          groupId: this.#groupId,
          offsets: snapshot.ends,
          metadata: commitMetadata(this.#clock.now()),
        },
      });
      this.#log.info(
        { firing: firing.length, delivered: recent.length, olderThanMaxAge: firing.length - recent.length },
        `first start: ${recent.length} alert(s) firing now will be delivered; ` +
          `${firing.length - recent.length} older firing alert(s) and the resolved history are not notified`,
      );
    } finally {
      await admin.close();
    }
  }

  /** Runs a tick now (re-notifications, then delivery) unless one is running; resolves when it ends. */
  kick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    try {
      const decided = await this.dispatcher.tick();
      this.#stats.notificationsDecided += decided.filter((d) => d.action === 'notify').length;
      const round: DeliveryRound = await this.delivery.deliverDue(this.#abort.signal);
      this.#stats.delivered += round.delivered;
      this.#stats.rejected += round.rejected;
      this.#stats.stored += round.stored;
    } catch (e: unknown) {
      this.#log.error(
        { err: toError(e), code: errorCode(e) },
        'a dispatch tick failed; the next tick tries again',
      );
    }
  }

  async #onBatch(records: readonly IncomingRecord[]): Promise<void> {
    const deadLetters: OutgoingRecord[] = [];
    for (const record of records) {
      this.#stats.received += 1;
      let alert: Alert;
      try {
        if (record.value === null) throw new Error('an alert record without a value');
        alert = this.#codec!.decode(record.value);
      } catch (e: unknown) {
        this.#log.warn(
          { err: toError(e), offset: record.offset },
          'an alert record does not decode: dead-lettered',
        );
        deadLetters.push(this.#deadLetter(record, e));
        this.#stats.deadLettered += 1;
        continue;
      }
      // Throws when Postgres fails: the batch is not committed and comes back.
      const decisions = await this.dispatcher.handle(alert);
      this.#stats.notificationsDecided += decisions.filter((d) => d.action === 'notify').length;
    }
    const last = records.at(-1);
    if (last === undefined) return;
    // The decisions are durable: now the offsets (and the dead letters) in one Kafka transaction.
    await this.#producer!.sendAtomically(deadLetters, {
      // With when it committed, for `tradewatch status`.
      consumerOffsets: {
        groupId: this.#groupId,
        offsets: [commitAfter(last)],
        metadata: commitMetadata(this.#clock.now()),
      },
    });
    void this.kick();
  }

  #deadLetter(record: IncomingRecord, error: unknown): OutgoingRecord {
    return deadLetterRecord(physicalName('dlq', this.#o.topicPrefix ?? ''), record, {
      code: errorCode(error),
      message: toError(error).message,
      failedAt: this.#clock.now(),
      failedBy: 'dispatch',
    });
  }

  /** Stops consuming (the batch in hand finishes and commits), ends the tick. Idempotent. */
  close(): Promise<void> {
    this.#abort.abort();
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#closing ??= closeInOrder(this.#log, [
      ['stop the consumer', this.#consumer && (() => this.#consumer!.close())],
      ['finish the tick in hand', () => this.#ticking],
      ['close the producer', this.#producer && (() => this.#producer!.close())],
    ]);
    return this.#closing;
  }
}
