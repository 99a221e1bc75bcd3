/**
 * The job store on PostgreSQL (DATABASE_URL): safe for any number of scheduler instances. A job's
 * critical section is a transaction holding the job's row lock (`SELECT ... FOR UPDATE`, or
 * `FOR UPDATE SKIP LOCKED` to pass over a job another instance is handling); runs are unique on
 * (job_id, scheduled_at) and inserted with `ON CONFLICT DO NOTHING`; outbox events are claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease. Every time comes from the caller's clock, never from `now()`.
 */
import type pg from 'pg';
import { TradewatchError } from '../core/errors.ts';
import { PostgresPool, type PostgresPoolOptions } from '../core/postgres/index.ts';
import type { JobRun } from '../schemas/index.ts';
import { SCHEDULER_MIGRATIONS } from './migrations.ts';
import type { JobStore, JobTransaction, LockMode } from './store.ts';
import type { JobDefinition, RunRecord, RunState, StoredEvent, StoredJob } from './types.ts';

/** The connection string, the logger and the pool size (see PostgresPoolOptions). */
export type PostgresJobStoreOptions = Omit<PostgresPoolOptions, 'hint'>;

interface JobRow {
  id: string;
  definition: Omit<JobDefinition, 'id' | 'enabled'>;
  enabled: boolean;
  cursor_at: Date;
  created_at: Date;
  updated_at: Date;
}

interface RunRow {
  job_id: string;
  scheduled_at: Date;
  trigger: RunRecord['trigger'];
  state: RunState;
  attempt: number;
  next_attempt_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  summary: Record<string, string>;
  created_at: Date;
}

const RUN_COLUMNS =
  'job_id, scheduled_at, trigger, state, attempt, next_attempt_at, lease_owner, lease_expires_at, ' +
  'started_at, finished_at, error, summary, created_at';

export class PostgresJobStore implements JobStore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly #pool: PostgresPool;

  constructor(options: PostgresJobStoreOptions) {
    this.#pool = new PostgresPool({
      ...options,
      logger: options.logger.child({ component: 'job-store', store: 'postgres' }),
      hint: ' (or use TW_SCHEDULER_STORE=json-file on one machine)',
    });
    this.location = this.#pool.location;
  }

  async start(): Promise<void> {
    await this.#pool.migrate(SCHEDULER_MIGRATIONS);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async createJob(job: JobDefinition, now: number): Promise<StoredJob> {
    const { id, enabled, ...definition } = job;
    try {
      await this.#pool.query('store a job', 'INSERT INTO tw_jobs VALUES ($1, $2, $3, $4, $4, $4)', [
        id,
        JSON.stringify(definition),
        enabled,
        new Date(now),
      ]);
    } catch (e: unknown) {
      if ((e as { cause?: { code?: unknown } }).cause?.code === '23505') {
        throw new TradewatchError(
          'TW_JOB_INVALID',
          `a job "${id}" already exists in ${this.location}; remove it first (\`schedule remove ${id}\`) or choose another id`,
          { details: { job: id } },
        );
      }
      throw e;
    }
    return { ...job, createdAt: now, updatedAt: now, cursor: now };
  }

  async getJob(id: string): Promise<StoredJob | undefined> {
    const rows = await this.#pool.query<JobRow>('read a job', 'SELECT * FROM tw_jobs WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toJob(rows[0]);
  }

  async listJobs(): Promise<StoredJob[]> {
    return (await this.#pool.query<JobRow>('list the jobs', 'SELECT * FROM tw_jobs ORDER BY id')).map(toJob);
  }

  async removeJob(id: string): Promise<boolean> {
    const rows = await this.#pool.query('remove a job', 'DELETE FROM tw_jobs WHERE id = $1 RETURNING id', [
      id,
    ]);
    return rows.length > 0;
  }

  withJob<T>(id: string, mode: LockMode, fn: (tx: JobTransaction) => Promise<T>): Promise<T | undefined> {
    return this.#pool.transaction(`handle job ${id}`, async (client) => {
      const { rows } = await client.query<JobRow>(
        `SELECT * FROM tw_jobs WHERE id = $1 FOR UPDATE${mode === 'skip' ? ' SKIP LOCKED' : ''}`,
        [id],
      );
      const row = rows[0];
      return row === undefined ? undefined : fn(new PostgresJobTransaction(client, toJob(row)));
    });
  }

  async history(jobId: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.#pool.query<RunRow>(
      'read the run history',
      `SELECT ${RUN_COLUMNS} FROM tw_job_runs WHERE job_id = $1 ORDER BY scheduled_at DESC LIMIT $2`,
      [jobId, limit],
    );
    return rows.map(toRun);
  }

  async getRun(jobId: string, scheduledAt: number): Promise<RunRecord | undefined> {
    const rows = await this.#pool.query<RunRow>(
      'read a run',
      `SELECT ${RUN_COLUMNS} FROM tw_job_runs WHERE job_id = $1 AND scheduled_at = $2`,
      [jobId, new Date(scheduledAt)],
    );
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  async nextPendingAt(after: number): Promise<number | undefined> {
    const rows = await this.#pool.query<{ at: Date | null }>(
      'find the next pending run',
      `SELECT min(r.next_attempt_at) AS at FROM tw_job_runs r JOIN tw_jobs j ON j.id = r.job_id
       WHERE r.state = 'pending' AND r.next_attempt_at > $1 AND j.enabled`,
      [new Date(after)],
    );
    return rows[0]?.at?.getTime() ?? undefined;
  }

  async claimEvents(owner: string, now: number, leaseMs: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.#pool.query<{ id: string; payload: JobRun }>(
      'claim run events',
      `UPDATE tw_job_run_events SET claimed_by = $1, claimed_until = $3
       WHERE id IN (
         SELECT id FROM tw_job_run_events WHERE claimed_until IS NULL OR claimed_until <= $2
         ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id, payload`,
      [owner, new Date(now), new Date(now + leaseMs), limit],
    );
    return rows
      .map((r) => ({ id: String(r.id), event: r.payload }))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  async markEventsSent(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    // Sent events leave the outbox: the runs table keeps the history.
    await this.#pool.query(
      'mark run events sent',
      'DELETE FROM tw_job_run_events WHERE id = ANY($1::bigint[])',
      [ids],
    );
  }
}

class PostgresJobTransaction implements JobTransaction {
  readonly job: StoredJob;
  readonly #client: pg.PoolClient;

  constructor(client: pg.PoolClient, job: StoredJob) {
    this.#client = client;
    this.job = job;
  }

  async runs(states: readonly RunState[]): Promise<RunRecord[]> {
    const result = await this.#client.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM tw_job_runs WHERE job_id = $1 AND state = ANY($2::text[]) ORDER BY scheduled_at`,
      [this.job.id, states],
    );
    return result.rows.map(toRun);
  }

  async insertRuns(runs: readonly RunRecord[]): Promise<RunRecord[]> {
    if (runs.length === 0) return [];
    const values: unknown[] = [];
    const tuples = runs.map((run) => {
      const row = fromRun(run);
      const start = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    const result = await this.#client.query<RunRow>(
      `INSERT INTO tw_job_runs (${RUN_COLUMNS}) VALUES ${tuples.join(', ')}
       ON CONFLICT (job_id, scheduled_at) DO NOTHING RETURNING ${RUN_COLUMNS}`,
      values,
    );
    return result.rows.map(toRun).sort((a, b) => a.scheduledAt - b.scheduledAt);
  }

  async updateRun(run: RunRecord): Promise<void> {
    const row = fromRun(run);
    await this.#client.query(
      `UPDATE tw_job_runs SET trigger = $3, state = $4, attempt = $5, next_attempt_at = $6, lease_owner = $7,
         lease_expires_at = $8, started_at = $9, finished_at = $10, error = $11, summary = $12
       WHERE job_id = $1 AND scheduled_at = $2`,
      row.slice(0, 12),
    );
  }

  async updateJob(patch: { enabled?: boolean; cursor?: number }, now: number): Promise<void> {
    await this.#client.query(
      `UPDATE tw_jobs SET enabled = COALESCE($2, enabled), cursor_at = COALESCE($3, cursor_at), updated_at = $4
       WHERE id = $1`,
      [
        this.job.id,
        patch.enabled ?? null,
        patch.cursor === undefined ? null : new Date(patch.cursor),
        new Date(now),
      ],
    );
  }

  async addEvents(events: readonly JobRun[]): Promise<void> {
    for (const event of events) {
      await this.#client.query('INSERT INTO tw_job_run_events (job_id, payload) VALUES ($1, $2)', [
        event.job,
        JSON.stringify(event),
      ]);
    }
  }
}

function toJob(row: JobRow): StoredJob {
  return {
    ...row.definition,
    id: row.id,
    enabled: row.enabled,
    cursor: row.cursor_at.getTime(),
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
  };
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (t: number | null): Date | null => (t === null ? null : new Date(t));

function toRun(row: RunRow): RunRecord {
  return {
    jobId: row.job_id,
    scheduledAt: row.scheduled_at.getTime(),
    trigger: row.trigger,
    state: row.state,
    attempt: row.attempt,
    nextAttemptAt: row.next_attempt_at.getTime(),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: ms(row.lease_expires_at),
    startedAt: ms(row.started_at),
    finishedAt: ms(row.finished_at),
    error: row.error,
    summary: row.summary,
    createdAt: row.created_at.getTime(),
  };
}

/** The run's column values, in {@link RUN_COLUMNS} order. */
function fromRun(run: RunRecord): unknown[] {
  return [
    run.jobId,
    new Date(run.scheduledAt),
    run.trigger,
    run.state,
    run.attempt,
    new Date(run.nextAttemptAt),
    run.leaseOwner,
    date(run.leaseExpiresAt),
    date(run.startedAt),
    date(run.finishedAt),
    run.error,
    JSON.stringify(run.summary),
    new Date(run.createdAt),
  ];
}
