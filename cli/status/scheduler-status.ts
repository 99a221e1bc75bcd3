/** The scheduler's next runs and its recent failures, from the job store (scheduler/store.ts). */
import type { SchedulerStatus } from '../../runtime/status/index.ts';
import { nextOccurrence, type JobStore, type RunState } from '../../scheduler/index.ts';

/** Final states that are failures. */
const FAILED: ReadonlySet<RunState> = new Set(['failed', 'timed_out', 'lost']);

/** How many of each job's latest runs are looked at for failures. */
const RUNS_PER_JOB = 20;

/** How many next runs the report keeps (soonest first). */
const NEXT = 5;

/** Next occurrences of the enabled jobs after `now`; runs that failed after `since`. */
export async function schedulerStatus(store: JobStore, now: number, since: number): Promise<SchedulerStatus> {
  const jobs = await store.listJobs();
  const next = jobs
    .filter((j) => j.enabled)
    .map((j) => ({ job: j.id, at: nextOccurrence(j.schedule, Math.max(now, j.cursor)) }))
    .filter((n): n is { job: string; at: number } => n.at !== undefined)
    .sort((a, b) => a.at - b.at || a.job.localeCompare(b.job))
    .slice(0, NEXT);
  const histories = await Promise.all(jobs.map((j) => store.history(j.id, RUNS_PER_JOB)));
  const failures = histories
    .flat()
    .filter((r) => FAILED.has(r.state) && r.finishedAt !== null && r.finishedAt >= since)
    .map((r) => ({
      job: r.jobId,
      scheduledAt: r.scheduledAt,
      state: r.state,
      finishedAt: r.finishedAt ?? 0,
      error: r.error ?? '',
    }))
    .sort((a, b) => b.finishedAt - a.finishedAt || a.job.localeCompare(b.job));
  return { next, failures };
}
