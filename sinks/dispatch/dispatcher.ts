/**
 * The dispatch decisions: for each alert state change, and on each wall-clock tick, which receivers
 * get a notification now, written to the notification log (the outbox the delivery reads) in the same
 * Postgres transaction as the state it was decided from. See README.md, "Lifecycle".
 *
 * Terminology:
 * - an **episode** is one firing of a fingerprint: its `starts_at`, until its resolve;
 * - a **slot** numbers the notifications of one episode's firing to one receiver: 0 the first, then
 *   one more per re-notification. The log is unique on (fingerprint, status, starts_at, receiver,
 *   slot), so deciding twice (a replay after a crash, two instances) inserts once;
 * - a receiver's notification is **suppressed** while a silence covers the alert or an inhibition rule
 *   mutes it; the reason is kept, and the tick notifies once it no longer holds and the alert fires.
 */
import type pg from 'pg';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Alert } from '../../schemas/index.ts';
import { decideDigest } from './digest.ts';
import { matchesAll, matchLabels } from './matchers.ts';
import { routeAlert, type RouteTarget, type RoutingConfig } from './routing.ts';
import { activeSilences, silencing, type DispatchStore, type Silence } from './store.ts';

export interface DispatcherOptions {
  readonly store: DispatchStore;
  readonly routing: RoutingConfig;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one decision did, per receiver (for logs and tests). */
export interface Decision {
  readonly fingerprint: string;
  readonly receiver: string;
  /** `notify` (a log row was inserted), or why not. */
  readonly action:
    'notify' | 'already-notified' | 'repeat-suppressed' | 'silenced' | 'inhibited' | 'not-notified';
  readonly reason?: string;
}

interface ReceiverRow {
  fingerprint: string;
  receiver: string;
  last_status: string | null;
  last_starts_at: string | null;
  last_notified_at: string | null;
  slot: number;
  next_repeat_at: string | null;
  suppressed: string | null;
}

interface Context {
  readonly client: pg.ClientBase;
  readonly now: number;
  readonly silences: readonly Silence[];
  readonly firing: readonly Alert[];
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #log: Logger;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'dispatcher' });
  }

  get routing(): RoutingConfig {
    return this.#options.routing;
  }

  /** Records an alert state change and decides its notifications, in one transaction. */
  handle(alert: Alert): Promise<Decision[]> {
    return this.#options.store.transaction('record an alert', (client) => this.handleIn(client, alert));
  }

  /** {@link handle} inside the caller's transaction. */
  async handleIn(client: pg.ClientBase, alert: Alert): Promise<Decision[]> {
    const now = this.#options.clock.now();
    const previous = await client.query<{ status: string; starts_at: string; ts: string }>(
      `SELECT status, starts_at, (alert->>'ts') AS ts FROM tw_dispatch_alerts WHERE fingerprint = $1 FOR UPDATE`,
      [alert.fingerprint],
    );
    const before = previous.rows[0];
    // A record older than the state (a replay of an earlier episode) changes nothing.
    const stale =
      before !== undefined &&
      (Number(before.starts_at) > alert.starts_at ||
        (Number(before.starts_at) === alert.starts_at &&
          before.status === 'resolved' &&
          alert.status === 'firing'));
    if (!stale) {
      await client.query(
        `INSERT INTO tw_dispatch_alerts (fingerprint, rule, severity, env, labels, summary, status, starts_at, ends_at, alert, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (fingerprint) DO UPDATE SET rule = $2, severity = $3, env = $4, labels = $5, summary = $6,
           status = $7, starts_at = $8, ends_at = $9, alert = $10, updated_at = $11`,
        [
          alert.fingerprint,
          alert.rule,
          alert.severity,
          alert.env,
          JSON.stringify(alert.labels),
          alert.summary,
          alert.status,
          alert.starts_at,
          alert.ends_at,
          JSON.stringify(alert),
          now,
        ],
      );
    }
    const context = await this.#context(client, now);
    const decisions: Decision[] = [];
    for (const target of routeAlert(this.#options.routing, alert)) {
      const row = await receiverRow(client, alert.fingerprint, target.receiver);
      decisions.push(
        stale
          ? { fingerprint: alert.fingerprint, receiver: target.receiver, action: 'already-notified' }
          : alert.status === 'firing'
            ? await this.#onFiring(context, alert, target, row)
            : await this.#onResolved(context, alert, target, row),
      );
    }
    for (const d of decisions) this.#log.debug(d, 'dispatch decision');
    return decisions;
  }

  /**
   * The wall-clock work: re-notifies firing, unacknowledged alerts whose repeat interval passed,
   * notifies alerts whose silence or inhibition ended while they still fire, and decides the daily
   * digest once its time has passed (digest.ts). Idempotent.
   */
  tick(): Promise<Decision[]> {
    return this.#options.store.transaction('re-notify due alerts', async (client) => {
      const now = this.#options.clock.now();
      const context = await this.#context(client, now);
      const { rows } = await client.query<ReceiverRow & { alert: Alert; acked: boolean }>(
        `SELECT r.*, a.alert, (a.acked_by IS NOT NULL AND a.acked_starts_at = a.starts_at) AS acked
           FROM tw_dispatch_receivers r JOIN tw_dispatch_alerts a USING (fingerprint)
          WHERE a.status = 'firing'
            AND (r.suppressed IS NOT NULL OR (r.last_status = 'firing' AND r.next_repeat_at <= $1))
          ORDER BY r.fingerprint, r.receiver
          FOR UPDATE OF r SKIP LOCKED`,
        [now],
      );
      const decisions: Decision[] = [];
      for (const row of rows) {
        const target = routeAlert(this.#options.routing, row.alert).find((t) => t.receiver === row.receiver);
        // A receiver the routing no longer names: no reminder.
        if (target === undefined) continue;
        const held = this.#suppression(context, row.alert);
        if (held !== undefined) {
          await setSuppressed(client, row, held.reason, now);
          continue;
        }
        if (row.acked) {
          // Acknowledged: no reminder, and a silence that ended is not announced either.
          await client.query(
            `UPDATE tw_dispatch_receivers SET suppressed = NULL, suppressed_at = NULL, next_repeat_at = NULL
              WHERE fingerprint = $1 AND receiver = $2`,
            [row.fingerprint, row.receiver],
          );
          continue;
        }
        const sameEpisode =
          row.last_status === 'firing' && Number(row.last_starts_at) === row.alert.starts_at;
        const reason = row.suppressed !== null ? 'unsuppressed' : 'repeat';
        decisions.push(
          await this.#notify(context, row.alert, target, sameEpisode ? row.slot + 1 : 0, reason),
        );
      }
      for (const d of decisions) this.#log.info(d, 'notified again');
      const digests = await decideDigest(client, this.#options.routing.digest, now);
      for (const d of digests) this.#log.info(d, 'daily digest decided');
      return [...decisions, ...digests];
    });
  }

  async #onFiring(
    context: Context,
    alert: Alert,
    target: RouteTarget,
    row: ReceiverRow | undefined,
  ): Promise<Decision> {
    const base = { fingerprint: alert.fingerprint, receiver: target.receiver };
    if (
      row?.last_status === 'firing' &&
      Number(row.last_starts_at) === alert.starts_at &&
      row.last_notified_at !== null
    ) {
      return { ...base, action: 'already-notified' };
    }
    if (
      row?.last_status === 'firing' &&
      row.last_notified_at !== null &&
      context.now - Number(row.last_notified_at) < target.repeatSuppressMs
    ) {
      // Another episode of a fingerprint still firing for this receiver, told about moments ago.
      await context.client.query(
        `UPDATE tw_dispatch_receivers SET last_starts_at = $3, slot = 0,
                next_repeat_at = CASE WHEN $4::bigint > 0 THEN last_notified_at + $4::bigint END
          WHERE fingerprint = $1 AND receiver = $2`,
        [alert.fingerprint, target.receiver, alert.starts_at, target.repeatIntervalMs],
      );
      return { ...base, action: 'repeat-suppressed' };
    }
    const held = this.#suppression(context, alert);
    if (held !== undefined) {
      await ensureRow(context.client, alert.fingerprint, target.receiver);
      await setSuppressed(
        context.client,
        { fingerprint: alert.fingerprint, receiver: target.receiver },
        held.reason,
        context.now,
      );
      return { ...base, action: held.action, reason: held.reason };
    }
    return this.#notify(context, alert, target, 0, 'first');
  }

  async #onResolved(
    context: Context,
    alert: Alert,
    target: RouteTarget,
    row: ReceiverRow | undefined,
  ): Promise<Decision> {
    const base = { fingerprint: alert.fingerprint, receiver: target.receiver };
    if (row?.last_status !== 'firing' || row.last_notified_at === null) {
      // The receiver was never told it fires (silenced, inhibited, or a replayed resolve): nothing to close.
      if (row !== undefined) {
        await context.client.query(
          `UPDATE tw_dispatch_receivers SET suppressed = NULL, suppressed_at = NULL, next_repeat_at = NULL
            WHERE fingerprint = $1 AND receiver = $2`,
          [alert.fingerprint, target.receiver],
        );
      }
      return { ...base, action: row?.last_status === 'resolved' ? 'already-notified' : 'not-notified' };
    }
    // What was opened is closed, even when a silence or an inhibition now covers the alert.
    await insertNotification(context, alert, target, 0, 'resolved');
    await context.client.query(
      `UPDATE tw_dispatch_receivers SET last_status = 'resolved', last_starts_at = $3, last_notified_at = $4,
              slot = 0, next_repeat_at = NULL, suppressed = NULL, suppressed_at = NULL
        WHERE fingerprint = $1 AND receiver = $2`,
      [alert.fingerprint, target.receiver, alert.starts_at, context.now],
    );
    return { ...base, action: 'notify', reason: 'resolved' };
  }

  async #notify(
    context: Context,
    alert: Alert,
    target: RouteTarget,
    slot: number,
    reason: string,
  ): Promise<Decision> {
    await insertNotification(context, alert, target, slot, reason);
    await ensureRow(context.client, alert.fingerprint, target.receiver);
    await context.client.query(
      `UPDATE tw_dispatch_receivers SET last_status = 'firing', last_starts_at = $3, last_notified_at = $4, slot = $5,
              next_repeat_at = $6, suppressed = NULL, suppressed_at = NULL
        WHERE fingerprint = $1 AND receiver = $2`,
      [
        alert.fingerprint,
        target.receiver,
        alert.starts_at,
        context.now,
        slot,
        target.repeatIntervalMs > 0 ? context.now + target.repeatIntervalMs : null,
      ],
    );
    return { fingerprint: alert.fingerprint, receiver: target.receiver, action: 'notify', reason };
  }

  /** Why `alert` must not be notified now, if it must not. */
  #suppression(
    context: Context,
    alert: Alert,
  ): { action: 'silenced' | 'inhibited'; reason: string } | undefined {
    const silence = silencing(context.silences, alert);
    if (silence !== undefined) return { action: 'silenced', reason: `silenced by ${silence.id}` };
    const labels = matchLabels(alert);
    for (const rule of this.#options.routing.inhibitRules) {
      if (!matchesAll(rule.target, labels)) continue;
      const source = context.firing.find((s) => {
        if (s.fingerprint === alert.fingerprint) return false;
        const sourceLabels = matchLabels(s);
        return (
          matchesAll(rule.source, sourceLabels) && rule.equal.every((l) => sourceLabels[l] === labels[l])
        );
      });
      if (source !== undefined) {
        return { action: 'inhibited', reason: `inhibited by ${rule.name} (alert ${source.fingerprint})` };
      }
    }
    return undefined;
  }

  async #context(client: pg.ClientBase, now: number): Promise<Context> {
    const firing = await client.query<{ alert: Alert }>(
      `SELECT alert FROM tw_dispatch_alerts WHERE status = 'firing'`,
    );
    return {
      client,
      now,
      silences: await activeSilences(client, now),
      firing: firing.rows.map((r) => r.alert),
    };
  }
}

async function receiverRow(
  client: pg.ClientBase,
  fingerprint: string,
  receiver: string,
): Promise<ReceiverRow | undefined> {
  const { rows } = await client.query<ReceiverRow>(
    'SELECT * FROM tw_dispatch_receivers WHERE fingerprint = $1 AND receiver = $2 FOR UPDATE',
    [fingerprint, receiver],
  );
  return rows[0];
}

async function ensureRow(client: pg.ClientBase, fingerprint: string, receiver: string): Promise<void> {
  await client.query(
    `INSERT INTO tw_dispatch_receivers (fingerprint, receiver) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [fingerprint, receiver],
  );
}

async function setSuppressed(
  client: pg.ClientBase,
  row: { fingerprint: string; receiver: string },
  reason: string,
  now: number,
): Promise<void> {
  await client.query(
    `UPDATE tw_dispatch_receivers SET suppressed = $3, suppressed_at = COALESCE(suppressed_at, $4)
      WHERE fingerprint = $1 AND receiver = $2`,
    [row.fingerprint, row.receiver, reason, now],
  );
}

/**
 * Inserts a notification (once: the log's unique key). With the route's `group_by`, it joins the open
 * group of its receiver, route, status and group labels (due when the group's first notification is)
 * or opens one, due `group_wait` from now; the delivery sends a group's due notifications as one.
 */
async function insertNotification(
  context: Context,
  alert: Alert,
  target: RouteTarget,
  slot: number,
  reason: string,
): Promise<void> {
  let groupKey: string | null = null;
  let due = context.now;
  if (target.groupBy.length > 0) {
    const labels = matchLabels(alert);
    groupKey = JSON.stringify([target.route, alert.status, ...target.groupBy.map((l) => labels[l] ?? null)]);
    const open = await context.client.query<{ next_attempt_at: string }>(
      `SELECT next_attempt_at FROM tw_dispatch_notifications
        WHERE receiver = $1 AND group_key = $2 AND state = 'pending' AND attempts = 0 AND next_attempt_at > $3
        ORDER BY id LIMIT 1`,
      [target.receiver, groupKey, context.now],
    );
    const first = open.rows[0];
    due = first === undefined ? context.now + target.groupWaitMs : Number(first.next_attempt_at);
  }
  await context.client.query(
    `INSERT INTO tw_dispatch_notifications
       (fingerprint, receiver, status, starts_at, slot, reason, alert, created_at, state, next_attempt_at, group_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)
     ON CONFLICT (fingerprint, status, starts_at, receiver, slot) DO NOTHING`,
    [
      alert.fingerprint,
      target.receiver,
      alert.status,
      alert.starts_at,
      slot,
      reason,
      JSON.stringify(alert),
      context.now,
      due,
      groupKey,
    ],
  );
}
