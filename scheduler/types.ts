/**
 * The scheduler's domain types.
 *
 * Terminology:
 * - job: a named, stored definition: a template with its parameters, a schedule, an env, and the
 *   policies below. Jobs live in a {@link JobStore} (Postgres, or one JSON file);
 * - template: the code a job runs (scheduler/templates/), with a validated parameter schema;
 * - occurrence: a time at which a job's schedule fires (cron in a time zone, an interval, or once);
 * - run: one occurrence being (or having been) handled, identified by (job id, scheduled time). A run
 *   row is created once per occurrence, whichever instance sees it first (insert-if-absent), so that
 *   two scheduler instances never handle an occurrence twice. Manual runs (`run-now`) and backfills
 *   are runs too, with their own trigger;
 * - attempt: one execution of a run's template; a failed attempt is retried (same run) with
 *   exponential backoff until the retry policy is used up;
 * - claim: an instance takes a due run (state pending → running) inside the job's lock, so only one
 *   instance ever starts a given attempt;
 * - lease: a claimed run belongs to its instance until `leaseExpiresAt`; the instance renews it on
 *   every tick (heartbeat). A lease that runs out means the instance stopped: any instance then ends
 *   the attempt as `lost` and the retry policy decides what happens next;
 * - cursor: per job, the time up to which its occurrences have been turned into runs;
 * - misfire: an occurrence found more than `misfire.graceMs` after its time (the scheduler was down,
 *   or the job disabled); the misfire policy decides which of them still run;
 * - overlap: an occurrence that comes due while another run of the job is running; the overlap
 *   policy decides whether it runs alongside, waits (one at most), or is skipped;
 * - outbox: run events (JobRun records) are stored with the state change that caused them and
 *   published to Kafka and QuestDB afterwards, so that none is lost when Kafka is down.
 */
import type { Environment, JobOutcome, JobRun, JobTrigger } from '../schemas/index.ts';

/** When a job's occurrences are. Times are epoch ms UTC. */
export type Schedule =
  /** A cron expression (5 fields, or 6 with seconds first) evaluated in an IANA time zone. */
  | { readonly kind: 'cron'; readonly expression: string; readonly timezone: string }
  /** Every `everyMs`, at `anchor + n * everyMs` (default anchor 0: aligned to the epoch, in UTC). */
  | { readonly kind: 'interval'; readonly everyMs: number; readonly anchor: number }
  /** Once, at `at`. */
  | { readonly kind: 'once'; readonly at: number };

export const MISFIRE_POLICIES = ['skip', 'run_once', 'run_all'] as const;
/** What happens to occurrences found late (misfired): skip them all, run the latest once, or run them all (the latest `cap`). */
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

export const OVERLAP_POLICIES = ['skip', 'queue_one', 'allow'] as const;
/** What happens to an occurrence that comes due while a run of the job is running. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export interface MisfireOptions {
  readonly policy: MisfirePolicy;
  /** With `run_all`: at most this many misfired occurrences run (the latest); older ones are skipped. */
  readonly cap: number;
  /** An occurrence found more than this long after its time is a misfire. */
  readonly graceMs: number;
}

export interface RetryOptions {
  /** Attempts after the first (0: no retry). */
  readonly retries: number;
  /** Wait before the first retry; each further retry waits twice as long as the one before. */
  readonly backoffMs: number;
  /** The longest wait between attempts. */
  readonly maxBackoffMs: number;
}

/** A job as defined by its author (validated: see job-definition.ts). */
export interface JobDefinition {
  /** Unique id: lower-case letters, digits, `-` and `_`. */
  readonly id: string;
  readonly description: string | null;
  /** A template name (scheduler/templates/). */
  readonly template: string;
  /** The template's parameters, validated against its schema (defaults applied). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly schedule: Schedule;
  /** The env label of the job's run events and metrics. */
  readonly env: Environment;
  readonly enabled: boolean;
  readonly misfire: MisfireOptions;
  readonly overlap: OverlapPolicy;
  /** An attempt running longer than this is aborted and counts as `timed_out`. */
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
}

/** A job as stored. */
export interface StoredJob extends JobDefinition {
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Occurrences up to and including this time have been turned into runs. */
  readonly cursor: number;
}

export const RUN_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'lost',
  'skipped',
] as const;
/** `pending` (waiting to be claimed), `running` (claimed, leased), or the final outcome. */
export type RunState = (typeof RUN_STATES)[number];
/** States a run never leaves. */
export const FINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'timed_out', 'lost', 'skipped'];

/** One run: a job's occurrence (or manual / backfill request) and where it stands. */
export interface RunRecord {
  readonly jobId: string;
  /** The occurrence's time; with jobId, the run's identity. */
  readonly scheduledAt: number;
  readonly trigger: JobTrigger;
  readonly state: RunState;
  /** Attempts started so far. */
  readonly attempt: number;
  /** A pending run may be claimed from this time on (later than scheduledAt while backing off). */
  readonly nextAttemptAt: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** Start of the current (or last) attempt. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Error of the last attempt, or why the run was skipped. */
  readonly error: string | null;
  /** What the template reported on success. */
  readonly summary: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

/** A run event waiting in the outbox. */
export interface StoredEvent {
  readonly id: string;
  readonly event: JobRun;
}

/** The run identity as text, for maps and logs: `<job>@<ISO time>`. */
export function runKey(run: { readonly jobId: string; readonly scheduledAt: number }): string {
  return `${run.jobId}@${new Date(run.scheduledAt).toISOString()}`;
}

/** The outcome a final state reports. */
export function outcomeOf(state: RunState): JobOutcome | undefined {
  return state === 'pending' || state === 'running' ? undefined : state;
}
