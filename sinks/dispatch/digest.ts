/**
 * The daily digest of the `digest` receiver (README.md, "Digest"): its schedule in a local time of day
 * and an IANA time zone, and the decision, on the dispatcher's tick, to send one digest per target per
 * period with every info alert stored since the previous digest.
 *
 * Terminology:
 * - a **period** is named by the local date (`YYYY-MM-DD` in the digest's time zone) of its digest's
 *   **due** instant, the schedule's time of day on that date. The digest of a period holds the stored
 *   `digest` rows decided (the dispatcher's clock) before its due instant and not in an earlier digest;
 * - a row is **digested** once a digest holds it (`digest` = the period), in the same transaction
 *   that inserts the digest's notification-log rows (one per target, unique per (receiver, period)).
 */
import type pg from 'pg';
import type { Alert } from '../../schemas/index.ts';
import type { Decision } from './dispatcher.ts';
import { DIGEST_RECEIVER, type DigestConfig } from './routing.ts';
import { localDateTime, zonedToUtc } from '../../core/zoned-time.ts';

/** The most alerts a digest notification lists; beyond them, one last entry says how many more. */
export const DIGEST_MAX_ALERTS = 50;

/** The `reason` of a digest's notification-log rows. */
export const DIGEST_REASON = 'digest';

/** An arbitrary constant: the transaction-scoped advisory lock taken while deciding a digest. */
const DIGEST_LOCK = 740_211_107;

/**
 * The instant of local date `year-month-day` at `hour:minute` in `timezone`. A time the clocks repeat
 * (fall back) is its first occurrence; a time they skip (spring forward) comes out shifted forward by
 * the change (01:30 Europe/London on the day BST starts → 02:30 BST).
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timezone: string,
): number {
  return zonedToUtc({ year, month, day, hour, minute }, timezone);
}

/** The latest period whose digest is due at or before `now`: its name and due instant. */
export function duePeriod(now: number, schedule: DigestConfig): { period: string; dueAt: number } {
  const today = localDateTime(now, schedule.timezone);
  const dueOn = (year: number, month: number, day: number) => {
    // Normalises day 0 to the last day of the previous month.
    const date = new Date(Date.UTC(year, month - 1, day));
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    return {
      period: `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      dueAt: zonedInstant(y, m, d, schedule.hour, schedule.minute, schedule.timezone),
    };
  };
  const due = dueOn(today.year, today.month, today.day);
  return due.dueAt <= now ? due : dueOn(today.year, today.month, today.day - 1);
}

/**
 * The alerts a digest notification lists: all of them up to {@link DIGEST_MAX_ALERTS}; beyond, the
 * first DIGEST_MAX_ALERTS and one last entry (rule `digest`) saying how many more the digest holds.
 */
export function digestAlerts(alerts: readonly Alert[], period: string): Alert[] {
  if (alerts.length <= DIGEST_MAX_ALERTS) return [...alerts];
  const shown = alerts.slice(0, DIGEST_MAX_ALERTS);
  const last = shown[shown.length - 1]!;
  const more = alerts.length - DIGEST_MAX_ALERTS;
  return [
    ...shown,
    {
      ...last,
      fingerprint: `digest:${period}:more`,
      rule: 'digest',
      severity: 'info',
      status: 'firing',
      summary: `…and ${more} more info alert${more === 1 ? '' : 's'} in the ${period} digest (all in tw_dispatch_notifications)`,
      labels: {},
      value: null,
      threshold: null,
    },
  ];
}

/**
 * Decides the digest of the latest due period in the caller's transaction: nothing when its digest
 * exists already or it has no undigested rows; otherwise one pending notification-log row per target
 * with the alerts in time order, and those rows marked digested. Idempotent across instances (an
 * advisory transaction lock, and the log's unique (receiver, period) index).
 */
export async function decideDigest(
  client: pg.ClientBase,
  schedule: DigestConfig,
  now: number,
): Promise<Decision[]> {
  if (schedule.targets.length === 0) return [];
  const { period, dueAt } = duePeriod(now, schedule);
  const fingerprint = `digest:${period}`;
  await client.query('SELECT pg_advisory_xact_lock($1)', [DIGEST_LOCK]);
  const sent = await client.query(
    `SELECT 1 FROM tw_dispatch_notifications WHERE reason = $1 AND fingerprint = $2 LIMIT 1`,
    [DIGEST_REASON, fingerprint],
  );
  if (sent.rows.length > 0) return [];
  const { rows } = await client.query<{ id: string; alert: Alert }>(
    `SELECT id, alert FROM tw_dispatch_notifications
      WHERE receiver = $1 AND digest IS NULL AND state IN ('pending', 'stored') AND created_at < $2
      ORDER BY (alert->>'ts')::bigint, id
      FOR UPDATE`,
    [DIGEST_RECEIVER, dueAt],
  );
  // An empty period sends nothing.
  if (rows.length === 0) return [];
  const alerts = rows.map((r) => r.alert);
  for (const target of schedule.targets) {
    await client.query(
      `INSERT INTO tw_dispatch_notifications
         (fingerprint, receiver, status, starts_at, slot, reason, alert, alerts, created_at, state, next_attempt_at)
       VALUES ($1, $2, 'firing', $3, 0, $4, $5, $6, $7, 'pending', $7)
       ON CONFLICT DO NOTHING`,
      [fingerprint, target, dueAt, DIGEST_REASON, JSON.stringify(alerts[0]), JSON.stringify(alerts), now],
    );
  }
  await client.query(
    `UPDATE tw_dispatch_notifications SET state = 'stored', digest = $2, done_at = COALESCE(done_at, $3)
      WHERE id = ANY($1::bigint[])`,
    [rows.map((r) => r.id), period, now],
  );
  return schedule.targets.map((receiver) => ({
    fingerprint,
    receiver,
    action: 'notify' as const,
    reason: `${DIGEST_REASON} of ${alerts.length} alert${alerts.length === 1 ? '' : 's'}`,
  }));
}
