/**
 * The dispatcher's state on PostgreSQL (DATABASE_URL): alerts per fingerprint, what each receiver was
 * last told, silences, acknowledgements and the notification log (also the outbox the delivery reads).
 * The dispatcher and the `tradewatch alerts` commands share it; it survives restarts. Every time comes
 * from the caller's clock.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { TradewatchError } from '../../core/errors.ts';
import { PostgresPool, type PostgresPoolOptions } from '../../core/postgres/index.ts';
import type { Alert } from '../../schemas/index.ts';
import {
  compileMatcher,
  matchesAll,
  matchLabels,
  storeMatcher,
  type LabelMatcher,
  type StoredMatcher,
} from './matchers.ts';
import { DISPATCH_MIGRATIONS } from './migrations.ts';

/** The connection string, the logger and the pool size (see PostgresPoolOptions). */
export type DispatchStoreOptions = Omit<PostgresPoolOptions, 'hint'>;

/** An alert as the store knows it. */
export interface AlertState {
  readonly fingerprint: string;
  readonly alert: Alert;
  readonly updatedAt: number;
  /** Set while the current episode is acknowledged. */
  readonly ack: { readonly by: string; readonly at: number; readonly comment: string } | null;
  /** Receivers whose notification is held back now, with why (`silenced by <id>`, `inhibited by <rule>`). */
  readonly suppressed: readonly { readonly receiver: string; readonly reason: string }[];
}

export interface Silence {
  readonly id: string;
  readonly matchers: readonly StoredMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly author: string;
  readonly comment: string;
  readonly createdAt: number;
}

/** One row of the notification log. */
export interface NotificationRecord {
  readonly id: number;
  readonly fingerprint: string;
  readonly receiver: string;
  readonly status: Alert['status'];
  readonly startsAt: number;
  readonly slot: number;
  /** `first`, `repeat`, `unsuppressed` or `resolved`. */
  readonly reason: string;
  readonly alert: Alert;
  readonly createdAt: number;
  readonly state: 'pending' | 'delivered' | 'rejected' | 'stored';
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly error: string | null;
  /** The group it is sent with (route, status, group labels), or null when the route does not group. */
  readonly groupKey: string | null;
  /** A digest (reason `digest`): every alert it holds, in time order (`alert` is the first); else null. */
  readonly alerts: readonly Alert[] | null;
  /** A `digest` receiver's row: the period of the digest that holds it, or null until one does. */
  readonly digest: string | null;
}

interface AlertRow {
  fingerprint: string;
  alert: Alert;
  updated_at: string;
  acked_by: string | null;
  acked_at: string | null;
  ack_comment: string | null;
  acked_starts_at: string | null;
  starts_at: string;
  status: string;
  suppressed: { receiver: string; reason: string }[] | null;
}

interface SilenceRow {
  id: string;
  matchers: StoredMatcher[];
  starts_at: string;
  ends_at: string;
  author: string;
  comment: string;
  created_at: string;
}

interface NotificationRow {
  id: string;
  fingerprint: string;
  receiver: string;
  status: Alert['status'];
  starts_at: string;
  slot: number;
  reason: string;
  alert: Alert;
  created_at: string;
  state: NotificationRecord['state'];
  attempts: number;
  next_attempt_at: string;
  error: string | null;
  group_key: string | null;
  alerts: Alert[] | null;
  digest: string | null;
}

export class DispatchStore {
  readonly location: string;
  readonly #pool: PostgresPool;

  constructor(options: DispatchStoreOptions) {
    this.#pool = new PostgresPool({
      ...options,
      logger: options.logger.child({ component: 'dispatch-store' }),
    });
    this.location = this.#pool.location;
  }

  /** Applies the migrations. @throws TW_POSTGRES_UNAVAILABLE. */
  async start(): Promise<void> {
    await this.#pool.migrate(DISPATCH_MIGRATIONS);
  }

  /** Ends the pool's connections. Idempotent. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Runs `fn` with a pooled client. @throws TW_POSTGRES_UNAVAILABLE when no connection can be made. */
  withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#pool.withClient(what, fn);
  }

  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#pool.transaction(what, fn);
  }

  /** Alerts, most recently changed first: firing only unless `all`. */
  async listAlerts(options: { all?: boolean } = {}): Promise<AlertState[]> {
    const rows = await this.#pool.query<AlertRow>(
      'list the alerts',
      `SELECT a.fingerprint, a.alert, a.updated_at, a.acked_by, a.acked_at, a.ack_comment, a.acked_starts_at,
              a.starts_at, a.status,
              (SELECT jsonb_agg(jsonb_build_object('receiver', r.receiver, 'reason', r.suppressed) ORDER BY r.receiver)
                 FROM tw_dispatch_receivers r
                WHERE r.fingerprint = a.fingerprint AND r.suppressed IS NOT NULL) AS suppressed
         FROM tw_dispatch_alerts a
        ${options.all === true ? '' : "WHERE a.status = 'firing'"}
        ORDER BY a.updated_at DESC, a.fingerprint`,
    );
    return rows.map(toAlertState);
  }

  /** One alert, or undefined. */
  async getAlert(fingerprint: string): Promise<AlertState | undefined> {
    const all = await this.listAlerts({ all: true });
    return all.find((a) => a.fingerprint === fingerprint);
  }

  /**
   * Acknowledges the current episode of a firing alert: it stops repeating until it resolves (its
   * resolve is still notified). @throws TW_ALERT_UNKNOWN when no alert has this fingerprint
   * or it is resolved.
   */
  async acknowledge(fingerprint: string, by: string, comment: string, now: number): Promise<AlertState> {
    await this.transaction('acknowledge an alert', async (client) => {
      const { rows } = await client.query<{ status: string; starts_at: string }>(
        'SELECT status, starts_at FROM tw_dispatch_alerts WHERE fingerprint = $1 FOR UPDATE',
        [fingerprint],
      );
      const row = rows[0];
      if (row === undefined) {
        throw new TradewatchError(
          'TW_ALERT_UNKNOWN',
          `no alert has the fingerprint "${fingerprint}": see \`tradewatch alerts list --all\``,
        );
      }
      if (row.status !== 'firing') {
        throw new TradewatchError(
          'TW_ALERT_UNKNOWN',
          `alert ${fingerprint} is resolved: only a firing alert can be acknowledged`,
        );
      }
      await client.query(
        `UPDATE tw_dispatch_alerts SET acked_by = $2, acked_at = $3, ack_comment = $4, acked_starts_at = starts_at
          WHERE fingerprint = $1`,
        [fingerprint, by, now, comment],
      );
    });
    return (await this.getAlert(fingerprint))!;
  }

  /** Adds a silence; returns it (with its new id). */
  async addSilence(
    input: Omit<Silence, 'id' | 'createdAt' | 'matchers'> & { matchers: readonly LabelMatcher[] },
    now: number,
  ): Promise<Silence> {
    const silence: Silence = {
      id: randomUUID(),
      matchers: input.matchers.map(storeMatcher),
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      author: input.author,
      comment: input.comment,
      createdAt: now,
    };
    await this.#pool.query(
      'add a silence',
      `INSERT INTO tw_dispatch_silences (id, matchers, starts_at, ends_at, author, comment, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        silence.id,
        JSON.stringify(silence.matchers),
        silence.startsAt,
        silence.endsAt,
        silence.author,
        silence.comment,
        now,
      ],
    );
    return silence;
  }

  /**
   * Ends a silence now (its alerts are notified on the dispatcher's next tick if they still fire).
   * @throws TW_SILENCE_UNKNOWN when no active or pending silence has this id.
   */
  async removeSilence(id: string, now: number): Promise<void> {
    const ended = await this.#pool.query(
      'end a silence',
      `UPDATE tw_dispatch_silences SET removed_at = $2, ends_at = LEAST(ends_at, $2)
        WHERE id = $1 AND removed_at IS NULL AND ends_at > $2 RETURNING id`,
      [id, now],
    );
    if (ended.length === 0) {
      throw new TradewatchError(
        'TW_SILENCE_UNKNOWN',
        `no active or pending silence has the id "${id}": see \`tradewatch alerts silences\``,
      );
    }
  }

  /** Silences not yet ended at `now` (active and pending), oldest first; with `all`, ended ones too. */
  async listSilences(now: number, options: { all?: boolean } = {}): Promise<Silence[]> {
    const rows = await this.#pool.query<SilenceRow>(
      'list the silences',
      `SELECT id, matchers, starts_at, ends_at, author, comment, created_at FROM tw_dispatch_silences
        ${options.all === true ? '' : 'WHERE ends_at > $1'} ORDER BY created_at, id`,
      options.all === true ? [] : [now],
    );
    return rows.map(toSilence);
  }

  /** The notification log, oldest first (tests and diagnostics). */
  async notifications(
    filter: { fingerprint?: string; receiver?: string } = {},
  ): Promise<NotificationRecord[]> {
    const rows = await this.#pool.query<NotificationRow>(
      'read the notification log',
      `SELECT * FROM tw_dispatch_notifications
        WHERE ($1::text IS NULL OR fingerprint = $1) AND ($2::text IS NULL OR receiver = $2) ORDER BY id`,
      [filter.fingerprint ?? null, filter.receiver ?? null],
    );
    return rows.map(toNotification);
  }
}

/** Active silences at `now` (in a transaction's client). */
export async function activeSilences(client: pg.ClientBase, now: number): Promise<Silence[]> {
  const { rows } = await client.query<SilenceRow>(
    `SELECT id, matchers, starts_at, ends_at, author, comment, created_at FROM tw_dispatch_silences
      WHERE starts_at <= $1 AND ends_at > $1 ORDER BY created_at, id`,
    [now],
  );
  return rows.map(toSilence);
}

/** The first silence of `silences` that covers `alert`. */
export function silencing(silences: readonly Silence[], alert: Alert): Silence | undefined {
  const labels = matchLabels(alert);
  return silences.find((s) => matchesAll(s.matchers.map(compileMatcher), labels));
}

export function toNotification(r: NotificationRow): NotificationRecord {
  return {
    id: Number(r.id),
    fingerprint: r.fingerprint,
    receiver: r.receiver,
    status: r.status,
    startsAt: Number(r.starts_at),
    slot: r.slot,
    reason: r.reason,
    alert: r.alert,
    createdAt: Number(r.created_at),
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: Number(r.next_attempt_at),
    error: r.error,
    groupKey: r.group_key,
    alerts: r.alerts,
    digest: r.digest,
  };
}

export type { NotificationRow };

function toSilence(r: SilenceRow): Silence {
  return {
    id: r.id,
    matchers: r.matchers,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    author: r.author,
    comment: r.comment,
    createdAt: Number(r.created_at),
  };
}

function toAlertState(r: AlertRow): AlertState {
  const acked =
    r.status === 'firing' &&
    r.acked_by !== null &&
    r.acked_starts_at !== null &&
    r.acked_starts_at === r.starts_at;
  return {
    fingerprint: r.fingerprint,
    alert: r.alert,
    updatedAt: Number(r.updated_at),
    ack: acked ? { by: r.acked_by!, at: Number(r.acked_at), comment: r.ack_comment ?? '' } : null,
    suppressed: r.suppressed ?? [],
  };
}
