/**
 * Delivery of the notification log (the outbox) to the receivers: per receiver, pending notifications
 * oldest first through its notifier, with the notifiers' retry policy (sinks/notifiers/
 * delivery-attempts.ts). A row becomes `delivered` only once the receiver accepted it (at least once);
 * a receiver that does not accept in time keeps its rows pending and is left alone for
 * `probeIntervalMs`; a row never overtakes an earlier row of its fingerprint (a resolve never
 * overtakes its firing); a route's `group_by` sends a group's due rows as one notification; a
 * permanent refusal is reported on the notifier's fallback route and the row becomes `rejected`. The
 * built-in `digest` receiver stores its rows (`stored`); the daily digest (digest.ts) is a row of each
 * of its targets, delivered here like any row, its alerts capped at DIGEST_MAX_ALERTS.
 * One instance delivers a receiver at a time (a session advisory lock per receiver).
 */
import type { Clock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { deliverWithRetries } from '../notifiers/delivery-attempts.ts';
import type { CompiledDeliveryPolicy } from '../notifiers/delivery-options.ts';
import type { Sleep } from '../notifiers/sleep.ts';
import type { Notification, Notifier } from '../notifiers/types.ts';
import { digestAlerts } from './digest.ts';
import { DIGEST_RECEIVER } from './routing.ts';
import {
  toNotification,
  type DispatchStore,
  type NotificationRecord,
  type NotificationRow,
} from './store.ts';

export interface OutboxDeliveryOptions {
  readonly store: DispatchStore;
  /** The notifiers by name (the receivers). */
  readonly notifiers: ReadonlyMap<string, Notifier>;
  /** The fallback route of a notifier. */
  readonly fallbackOf: (name: string) => Notifier;
  readonly policy: CompiledDeliveryPolicy;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  /** Rows read per receiver per round. Default 100. */
  readonly batchSize?: number;
}

/** Counts of one round. */
export interface DeliveryRound {
  /** Notifications (log rows) accepted by their receiver. */
  delivered: number;
  /** Messages sent for them (a group is one message). */
  messages: number;
  rejected: number;
  stored: number;
  deferred: number;
}

/** An arbitrary constant: the first key of the per-receiver delivery lock. */
const DELIVERY_LOCK = 740_211_106;

export class OutboxDelivery {
  readonly #o: OutboxDeliveryOptions;
  readonly #log: Logger;

  constructor(options: OutboxDeliveryOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'dispatch-delivery' });
  }

  /** Delivers what is due for every receiver with pending rows. */
  async deliverDue(signal?: AbortSignal): Promise<DeliveryRound> {
    const round: DeliveryRound = { delivered: 0, messages: 0, rejected: 0, stored: 0, deferred: 0 };
    const receivers = await this.#o.store.withClient('read pending notifications', async (client) => {
      const { rows } = await client.query<{ receiver: string }>(
        `SELECT DISTINCT receiver FROM tw_dispatch_notifications WHERE state = 'pending' ORDER BY receiver`,
      );
      return rows.map((r) => r.receiver);
    });
    for (const receiver of receivers) {
      if (signal?.aborted === true) break;
      await this.#deliverReceiver(receiver, round, signal);
    }
    return round;
  }

  async #deliverReceiver(receiver: string, round: DeliveryRound, signal?: AbortSignal): Promise<void> {
    const { store, clock, policy } = this.#o;
    await store.withClient('deliver notifications', async (client) => {
      const locked = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
        [DELIVERY_LOCK, receiver],
      );
      if (locked.rows[0]?.ok !== true) return;
      try {
        const { rows } = await client.query<NotificationRow>(
          `SELECT * FROM tw_dispatch_notifications WHERE receiver = $1 AND state = 'pending' ORDER BY id LIMIT $2`,
          [receiver, this.#o.batchSize ?? 100],
        );
        // The receiver is down: none of its rows is tried before `until` (the probe is its oldest row).
        const down = (until: number) =>
          client.query(
            `UPDATE tw_dispatch_notifications SET next_attempt_at = GREATEST(next_attempt_at, $2)
              WHERE receiver = $1 AND state = 'pending'`,
            [receiver, until],
          );
        const pending = rows.map(toNotification);
        const done = new Set<number>();
        // Order per fingerprint: a row waits while an earlier row of its fingerprint is not done.
        const free = (r: NotificationRecord, taking: readonly NotificationRecord[]) =>
          pending.every(
            (e) => e.id >= r.id || e.fingerprint !== r.fingerprint || done.has(e.id) || taking.includes(e),
          );
        for (const row of pending) {
          if (signal?.aborted === true) return;
          const now = clock.now();
          if (done.has(row.id) || row.nextAttemptAt > now || !free(row, [])) continue;
          // The due rows of its group (one per fingerprint), sent as one notification.
          const members: NotificationRecord[] = [row];
          if (row.groupKey !== null) {
            for (const r of pending) {
              if (
                r.id > row.id &&
                !done.has(r.id) &&
                r.groupKey === row.groupKey &&
                r.nextAttemptAt <= now &&
                !members.some((m) => m.fingerprint === r.fingerprint) &&
                free(r, members)
              ) {
                members.push(r);
              }
            }
          }
          for (const m of members) done.add(m.id);
          const mark = (state: string, error: string | null, attempts: number, next = now) =>
            client.query(
              `UPDATE tw_dispatch_notifications SET state = $2, error = $3, attempts = attempts + $4,
                      next_attempt_at = $5, done_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $6::bigint END
                WHERE id = ANY($1::bigint[])`,
              [members.map((m) => m.id), state, error, attempts, next, now],
            );
          const fingerprints = members.map((m) => m.fingerprint);
          if (receiver === DIGEST_RECEIVER) {
            this.#log.info({ fingerprints, status: row.status }, 'stored for the daily digest');
            await mark('stored', null, 0);
            round.stored += members.length;
            continue;
          }
          const notifier = this.#o.notifiers.get(receiver);
          if (notifier === undefined) {
            // The routing names a receiver the notifiers file no longer has: keep it for when it does.
            await mark('pending', `no notifier named ${receiver}`, 0, now + policy.probeIntervalMs);
            await down(now + policy.probeIntervalMs);
            round.deferred += members.length;
            return;
          }
          const notification: Notification =
            row.alerts === null
              ? { alerts: members.map((m) => m.alert) }
              : { alerts: digestAlerts(row.alerts, row.fingerprint.replace(/^digest:/, '')) };
          const outcome = await deliverWithRetries(() => notifier.send(notification), policy, {
            clock,
            wait: (ms) => this.#o.sleep(ms, signal),
            ...(signal === undefined ? {} : { signal }),
          });
          const result = outcome.result;
          if (result.outcome === 'accepted') {
            await mark('delivered', null, outcome.attempts);
            round.delivered += members.length;
            round.messages += 1;
          } else if (result.outcome === 'permanent') {
            this.#log.error(
              { code: 'TW_NOTIFY_REJECTED', receiver, fingerprints, reason: result.reason },
              'a receiver refused a notification for good: reported on the fallback route',
            );
            await this.#fallback(
              receiver,
              notifier.destinationOf(notification),
              notification,
              result.reason,
              signal,
            );
            await mark('rejected', result.reason, outcome.attempts);
            round.rejected += members.length;
          } else {
            this.#log.warn(
              { code: 'TW_NOTIFY_UNAVAILABLE', receiver, fingerprints, reason: result.reason },
              'a receiver did not accept a notification: kept, tried again after probe_interval',
            );
            await mark('pending', result.reason, outcome.attempts, clock.now() + policy.probeIntervalMs);
            await down(clock.now() + policy.probeIntervalMs);
            round.deferred += members.length;
            return;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DELIVERY_LOCK, receiver]);
      }
    });
  }

  async #fallback(
    receiver: string,
    destination: string,
    failed: Notification,
    reason: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const fallback = this.#o.fallbackOf(receiver);
    try {
      const outcome = await deliverWithRetries(
        () => fallback.send({ alerts: failed.alerts, failure: { notifier: receiver, destination, reason } }),
        this.#o.policy,
        {
          clock: this.#o.clock,
          wait: (ms) => this.#o.sleep(ms, signal),
          ...(signal === undefined ? {} : { signal }),
        },
      );
      if (outcome.result.outcome !== 'accepted') {
        this.#log.error(
          {
            code: 'TW_NOTIFY_REJECTED',
            receiver,
            fallback: fallback.name,
            fingerprints: failed.alerts.map((a) => a.fingerprint),
          },
          'the fallback route did not take the report either: this log line is the only trace',
        );
      }
    } catch (e: unknown) {
      this.#log.error({ err: toError(e), receiver }, 'the fallback notifier failed');
    }
  }
}
