/**
 * Failures in a row of a run-like source (ingest runs, inference cycles), per (key, env). Runs are
 * counted in the order they finished: a run that finished before the newest one counted is late (not
 * counted, sent to the `late` side output); the newest one again (the same id, e.g. a producer's retry
 * or a replay) is a repeat and changes nothing.
 */
import type { RunHealth } from './types.ts';

export type RunVerdict =
  /** Counted: `consecutiveFailures` includes it. */
  | { readonly kind: 'counted'; readonly consecutiveFailures: number }
  /** The newest counted run again: nothing changes. */
  | { readonly kind: 'repeat'; readonly consecutiveFailures: number }
  /** Finished before the newest counted run: not counted. */
  | { readonly kind: 'late'; readonly newestId: string; readonly newestFinishedAt: number };

/** Counts a run into `health` (null: the first run); returns the next health and the verdict. */
export function countRun(
  health: RunHealth | null,
  id: string,
  finishedAt: number,
  failed: boolean,
): { health: RunHealth | null; verdict: RunVerdict } {
  if (health !== null && id === health.last_id) {
    return { health, verdict: { kind: 'repeat', consecutiveFailures: health.consecutive_failures } };
  }
  if (health !== null && finishedAt < health.last_finished_at) {
    return {
      health,
      verdict: { kind: 'late', newestId: health.last_id, newestFinishedAt: health.last_finished_at },
    };
  }
  const consecutiveFailures = failed ? (health?.consecutive_failures ?? 0) + 1 : 0;
  return {
    health: { last_id: id, last_finished_at: finishedAt, consecutive_failures: consecutiveFailures },
    verdict: { kind: 'counted', consecutiveFailures },
  };
}
