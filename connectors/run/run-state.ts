/**
 * What one run of a connector tallies, and the summary it ends with.
 */
import type { Drift } from '../quality/index.ts';

export type RunStatus = 'success' | 'failure' | 'partial';

/** One endpoint whose payload shape changed. */
export interface DriftEvent {
  readonly endpoint: string;
  readonly drift: Drift;
  /** The fields of the endpoint's previous drift still reported (its series gets a 0), or ''. */
  readonly previousFields: string;
}

/** What a run did. */
export interface RunSummary {
  readonly runId: string;
  readonly connector: string;
  readonly mode: 'run' | 'backfill' | 'replay';
  readonly status: RunStatus;
  /** Signals published. */
  readonly rows: number;
  /** Scopes committed. */
  readonly commits: number;
  /** Payloads quarantined (kept raw, reported). */
  readonly quarantined: number;
  readonly drift: readonly DriftEvent[];
  /** Values flagged by at least one expectation. */
  readonly flagged: number;
  /** Expectations whose broken share exceeded what they tolerate: `signal check (broken/checked)`. */
  readonly failedExpectations: readonly string[];
  /** HTTP requests sent, and how many a 304 answered from the cache. */
  readonly requests: number;
  readonly notModified: number;
  /** The newest event time published, epoch ms, or null. */
  readonly dataUntil: number | null;
  readonly volumeZScore: number | null;
  readonly error: string | null;
  readonly startedAt: number;
  readonly finishedAt: number;
}
