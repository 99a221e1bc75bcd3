/**
 * A run's rows as it moves through its states (pending → running → pending again for a retry, or a
 * final state), and the JobRun event each end produces. Claiming and ending write through the job's
 * critical section ({@link JobTransaction}); the rest is pure.
 */
import type { JobOutcome, JobRun } from '../schemas/index.ts';
import { backoffMs } from './policies.ts';
import type { JobTransaction } from './store.ts';
import type { TemplateSummary } from './templates/types.ts';
import type { RunRecord, StoredJob } from './types.ts';

/** A new run row of an occurrence, not yet claimed. */
export function pendingRun(jobId: string, at: number, trigger: RunRecord['trigger'], now: number): RunRecord {
  return {
    jobId,
    scheduledAt: at,
    trigger,
    state: 'pending',
    attempt: 0,
    nextAttemptAt: at,
    leaseOwner: null,
    leaseExpiresAt: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    summary: {},
    createdAt: now,
  };
}

/** The run row of an occurrence the misfire or overlap policy skips. */
export function skippedRun(jobId: string, at: number, reason: string, now: number): RunRecord {
  return { ...pendingRun(jobId, at, 'schedule', now), state: 'skipped', finishedAt: now, error: reason };
}

/** Claims the due run `run` for `owner`: its next attempt starts now, under a lease of `leaseMs`. */
export async function claimRun(
  tx: JobTransaction,
  run: RunRecord,
  owner: string,
  leaseMs: number,
  now: number,
): Promise<RunRecord> {
  const claimed: RunRecord = {
    ...run,
    state: 'running',
    attempt: run.attempt + 1,
    leaseOwner: owner,
    leaseExpiresAt: now + leaseMs,
    startedAt: now,
    finishedAt: null,
  };
  await tx.updateRun(claimed);
  return claimed;
}

/**
 * Ends the attempt `run` with `outcome`: final, or back to pending after the backoff. Returns its
 * event, as told by `instance`.
 */
export async function endAttempt(
  tx: JobTransaction,
  run: RunRecord,
  ended: {
    readonly outcome: Exclude<JobOutcome, 'skipped'>;
    readonly error: string | null;
    readonly summary: Readonly<Record<string, string>>;
  },
  instance: string,
  now: number,
): Promise<JobRun> {
  const { job } = tx;
  const retry = ended.outcome !== 'succeeded' && run.attempt < job.retry.retries + 1;
  const next: RunRecord = {
    ...run,
    state: retry ? 'pending' : ended.outcome,
    nextAttemptAt: retry ? now + backoffMs(job.retry, run.attempt) : run.nextAttemptAt,
    leaseOwner: null,
    leaseExpiresAt: null,
    finishedAt: now,
    error: ended.error,
    summary: ended.summary,
  };
  await tx.updateRun(next);
  return runEvent(job, next, ended.outcome, !retry, instance, now);
}

/** The JobRun event of `run`'s attempt ending with `outcome` (or of its skip), as told by `instance`. */
export function runEvent(
  job: StoredJob,
  run: RunRecord,
  outcome: JobOutcome,
  final: boolean,
  instance: string,
  now: number,
): JobRun {
  const started = outcome === 'skipped' ? null : run.startedAt;
  return {
    job: job.id,
    template: job.template,
    env: job.env,
    scheduled_at: run.scheduledAt,
    trigger: run.trigger,
    attempt: outcome === 'skipped' ? 0 : run.attempt,
    max_attempts: job.retry.retries + 1,
    instance,
    started_at: started,
    finished_at: now,
    outcome,
    final,
    next_attempt_at: final ? null : run.nextAttemptAt,
    error: run.error,
    duration_ms: started === null ? null : now - started,
    delay_ms: (started ?? now) - run.scheduledAt,
    summary: { ...run.summary },
  };
}

/** Whether `current` is still attempt number `attempt`, held by `instance`. */
export function holds(current: RunRecord | undefined, attempt: number, instance: string): boolean {
  return (
    current !== undefined &&
    current.state === 'running' &&
    current.leaseOwner === instance &&
    current.attempt === attempt
  );
}

/** A template's summary as stored: every value a string. */
export function storedSummary(summary: TemplateSummary): Record<string, string> {
  return Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, String(v)]));
}
