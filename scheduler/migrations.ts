/**
 * The Postgres schema of the job store, as an ordered list of migrations applied on start: the missing
 * ones, in order, in one transaction, each recorded in `tw_scheduler_migrations`; a transaction-scoped
 * advisory lock makes instances starting together apply them once. Never edit a published migration:
 * append a new one.
 */
import type pg from 'pg';
import { applyMigrations, type Migration } from '../runtime/postgres-migrations.ts';

export type { Migration } from '../runtime/postgres-migrations.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, runs and the run-event outbox',
    sql: `
      CREATE TABLE tw_jobs (
        id text PRIMARY KEY,
        definition jsonb NOT NULL,
        enabled boolean NOT NULL,
        cursor_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE tw_job_runs (
        job_id text NOT NULL REFERENCES tw_jobs (id) ON DELETE CASCADE,
        scheduled_at timestamptz NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'backfill')),
        state text NOT NULL
          CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'timed_out', 'lost', 'skipped')),
        attempt integer NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        lease_owner text,
        lease_expires_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        summary jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (job_id, scheduled_at)
      );
      CREATE INDEX tw_job_runs_active ON tw_job_runs (job_id, scheduled_at)
        WHERE state IN ('pending', 'running');
      CREATE INDEX tw_job_runs_pending ON tw_job_runs (next_attempt_at) WHERE state = 'pending';
      CREATE TABLE tw_job_run_events (
        id bigserial PRIMARY KEY,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        claimed_by text,
        claimed_until timestamptz
      );
    `,
  },
];

/** An arbitrary constant: the advisory lock key of these migrations. */
const MIGRATION_LOCK = 740_211_006;

/** Applies the migrations `client`'s database lacks; returns the versions applied. */
export function migrate(client: pg.ClientBase, migrations = MIGRATIONS): Promise<number[]> {
  return applyMigrations(client, { table: 'tw_scheduler_migrations', lock: MIGRATION_LOCK, migrations });
}
