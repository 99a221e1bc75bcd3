/**
 * The job store port: where jobs, runs and the run-event outbox live. Two adapters implement it and
 * pass the same conformance suite (test/scheduler/store-conformance.ts):
 * - {@link PostgresJobStore}: any number of scheduler instances, on any number of machines;
 * - {@link JsonFileJobStore}: one JSON file, for one machine without Postgres; ONE scheduler instance.
 *
 * The scheduling logic (misfires, overlap, claims, leases, retries) lives in the scheduler, not here:
 * a store provides a per-job critical section ({@link JobStore.withJob}) in which the scheduler reads
 * and changes one job's runs, and guarantees that a run (job, scheduled time) is inserted once.
 */
import type { JobRun } from '../schemas/index.ts';
import type { JobDefinition, RunRecord, RunState, StoredEvent, StoredJob } from './types.ts';

/** How {@link JobStore.withJob} treats a job another instance holds. */
export type LockMode = 'skip' | 'wait';

export interface JobStore {
  /** `postgres` or `json-file`. */
  readonly kind: 'postgres' | 'json-file';
  /** Where the store is, for logs and messages (secrets redacted). */
  readonly location: string;

  /** Connects and applies what set-up is missing (Postgres: the migrations). */
  start(): Promise<void>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;

  /** Stores a new job (cursor = `now`). Throws TW_JOB_INVALID when the id is taken. */
  createJob(job: JobDefinition, now: number): Promise<StoredJob>;
  getJob(id: string): Promise<StoredJob | undefined>;
  /** Every job, by id. */
  listJobs(): Promise<StoredJob[]>;
  /** Deletes a job with its runs (its sent and unsent events stay in the outbox). False when unknown. */
  removeJob(id: string): Promise<boolean>;

  /**
   * Runs `fn` in the job's critical section: no other instance runs one for this job at the same time,
   * and what `fn` changes is stored all or nothing (Postgres: one transaction holding the job's row
   * lock; JSON file: one rewrite of the file). With `skip`, resolves undefined at once when another
   * instance holds the job; with `wait`, waits for it. Resolves undefined when the job does not exist.
   */
  withJob<T>(id: string, mode: LockMode, fn: (tx: JobTransaction) => Promise<T>): Promise<T | undefined>;

  /** Runs of a job, newest scheduled first, at most `limit`. */
  history(jobId: string, limit: number): Promise<RunRecord[]>;
  getRun(jobId: string, scheduledAt: number): Promise<RunRecord | undefined>;
  /** The earliest `nextAttemptAt` after `after` of a pending run of an enabled job (a retry), for wake-ups. */
  nextPendingAt(after: number): Promise<number | undefined>;

  /**
   * Takes up to `limit` unsent events, oldest first, for `leaseMs`: another instance does not take
   * them until then (if this one stops before {@link markEventsSent}, they are sent again: at least once).
   */
  claimEvents(owner: string, now: number, leaseMs: number, limit: number): Promise<StoredEvent[]>;
  markEventsSent(ids: readonly string[], now: number): Promise<void>;
}

/** What the scheduler may do inside a job's critical section. */
export interface JobTransaction {
  /** The job as stored when the section began. */
  readonly job: StoredJob;
  /** This job's runs in `states`, oldest scheduled first. */
  runs(states: readonly RunState[]): Promise<RunRecord[]>;
  /** Inserts runs whose (job, scheduled time) is new; returns those inserted (others are left alone). */
  insertRuns(runs: readonly RunRecord[]): Promise<RunRecord[]>;
  /** Replaces a run (found by job and scheduled time). */
  updateRun(run: RunRecord): Promise<void>;
  /** Changes the job's enabled flag and/or cursor (`updatedAt` set to `now`). */
  updateJob(patch: { readonly enabled?: boolean; readonly cursor?: number }, now: number): Promise<void>;
  /** Adds run events to the outbox, in order. */
  addEvents(events: readonly JobRun[]): Promise<void>;
}
