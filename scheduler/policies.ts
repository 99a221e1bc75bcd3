/**
 * The scheduling policies as pure functions of a job, the occurrences found and the time: which
 * occurrences run and which are skipped (misfire, overlap), and how long a retry waits (backoff).
 * The scheduler applies their answers inside the job's critical section.
 */
import { formatDuration } from '../core/durations.ts';
import { backoffDelay } from '../core/retry.ts';
import type { OccurrenceScan } from './occurrences.ts';
import type { JobDefinition, RetryOptions } from './types.ts';

/** What to do with newly found occurrences. */
export interface OccurrencePlan {
  /** Occurrences that get a pending run, ascending. */
  readonly run: readonly number[];
  /** Occurrences recorded as skipped, with why, ascending. */
  readonly skip: readonly { readonly at: number; readonly reason: string }[];
  /** Occurrences too old to be recorded at all (beyond the scan's keep). */
  readonly dropped: number;
}

/** What the plan needs to know of the job's runs. */
export interface RunSituation {
  /** A run of the job is running (and its lease is alive). */
  readonly running: boolean;
  /** Scheduled runs waiting (pending, never attempted). */
  readonly queued: number;
}

/**
 * Decides the fate of the occurrences `scan` found since the job's cursor, at `now`:
 * 1. misfire: an occurrence older than `now - misfire.graceMs` is late. `skip` skips every late one;
 *    `run_once` runs the latest late one and skips the others; `run_all` runs the latest `cap` late
 *    ones and skips the older ones. On-time occurrences run.
 * 2. overlap, for what is left to run, when a run of the job is running now: `allow` runs them all;
 *    `queue_one` queues the first when none is queued yet and skips the rest; `skip` skips them all.
 *    When none is running, they all become pending and the scheduler starts them one at a time
 *    (`skip`, `queue_one`) or together (`allow`).
 */
export function planOccurrences(
  job: Pick<JobDefinition, 'misfire' | 'overlap'>,
  scan: OccurrenceScan,
  now: number,
  situation: RunSituation,
): OccurrencePlan {
  const skip: { at: number; reason: string }[] = [];
  const late = scan.latest.filter((t) => now - t > job.misfire.graceMs);
  const onTime = scan.latest.filter((t) => now - t <= job.misfire.graceMs);
  const lateness = (t: number) =>
    `found ${formatDuration(now - t)} late (more than the misfire grace of ${formatDuration(job.misfire.graceMs)}: the scheduler was down or the job disabled)`;
  let lateToRun: number[];
  switch (job.misfire.policy) {
    case 'skip':
      lateToRun = [];
      for (const t of late) skip.push({ at: t, reason: `misfire: ${lateness(t)}; misfire policy skip` });
      break;
    case 'run_once': {
      const latest = late.at(-1);
      lateToRun = latest === undefined ? [] : [latest];
      for (const t of late.slice(0, -1)) {
        skip.push({
          at: t,
          reason: `misfire: ${lateness(t)}; misfire policy run_once runs only the latest missed occurrence (${new Date(latest ?? t).toISOString()})`,
        });
      }
      break;
    }
    case 'run_all': {
      const cut = Math.max(0, late.length - job.misfire.cap);
      lateToRun = late.slice(cut);
      for (const t of late.slice(0, cut)) {
        skip.push({
          at: t,
          reason: `misfire: ${lateness(t)}; misfire policy run_all runs at most the latest ${job.misfire.cap} missed occurrences (--misfire-cap)`,
        });
      }
      break;
    }
  }
  const candidates = [...lateToRun, ...onTime];
  let run: number[] = candidates;
  if (situation.running && job.overlap !== 'allow') {
    run = job.overlap === 'queue_one' && situation.queued === 0 ? candidates.slice(0, 1) : [];
    for (const t of candidates.slice(run.length)) {
      skip.push({
        at: t,
        reason:
          job.overlap === 'skip'
            ? 'overlap: a run of the job was still running; overlap policy skip'
            : 'overlap: a run of the job was still running and one was already queued; overlap policy queue_one',
      });
    }
  }
  skip.sort((a, b) => a.at - b.at);
  return { run, skip, dropped: scan.dropped };
}

/** The wait before the attempt after attempt `attempt` (1-based) failed: backoff doubled each time, capped. */
export function backoffMs(retry: RetryOptions, attempt: number): number {
  return backoffDelay({ initialMs: retry.backoffMs, maxMs: retry.maxBackoffMs }, attempt);
}
