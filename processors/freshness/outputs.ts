/** The metric points and rows of the freshness processor (names in types.ts). */
import type { Output, SinkRow } from '../contract.ts';
import type { Environment, InferenceCycle, IngestRun } from '../../schemas/index.ts';
import type { Transition } from './source-freshness.ts';
import { FRESHNESS_METRICS as M, FRESHNESS_TABLES, type SourceFreshness } from './types.ts';

type Emit = (output: Output) => void;

/** What identifies a source in labels and rows. */
export interface SourceId {
  readonly topic: string;
  readonly source: string;
  readonly env: Environment;
}

function metric(emit: Emit, name: string, labels: Record<string, string>, value: number, ts: number): void {
  emit({ kind: 'metric', metric: { name, labels, value, ts } });
}

/**
 * A source's transition: `source_stale` (1 on `stale`, 0 on `first_seen`, `resumed`, `forgotten`,
 * `unwatched`, `retired`), `source_staleness_ms` (all but `forgotten`, `unwatched` and `retired`), `source_lag_ms` (reports,
 * when the newest record had an event time), and a `freshness` row.
 */
export function emitTransition(emit: Emit, id: SourceId, f: SourceFreshness, t: Transition): void {
  const labels = { env: id.env, source: id.source, topic: id.topic };
  const lagMs = f.last_event_ts === null ? null : f.last_seen - f.last_event_ts;
  switch (t.event) {
    case 'stale':
      metric(emit, M.sourceStale, labels, 1, t.ts);
      metric(emit, M.sourceStaleness, labels, t.stalenessMs, t.ts);
      break;
    case 'first_seen':
    case 'resumed':
      metric(emit, M.sourceStale, labels, 0, t.ts);
      metric(emit, M.sourceStaleness, labels, t.stalenessMs, t.ts);
      break;
    case 'report':
      metric(emit, M.sourceStaleness, labels, t.stalenessMs, t.ts);
      if (lagMs !== null) metric(emit, M.sourceLag, labels, lagMs, t.ts);
      break;
    case 'forgotten':
    case 'unwatched':
    case 'retired':
      metric(emit, M.sourceStale, labels, 0, t.ts);
      break;
  }
  const row: SinkRow = {
    table: FRESHNESS_TABLES.freshness,
    ts: t.ts,
    symbols: { topic: id.topic, source: id.source, env: id.env, event: t.event },
    columns: {
      staleness_ms: t.stalenessMs,
      silence_ms: t.silenceMs,
      lag_ms: lagMs,
      last_seen: f.last_seen,
      last_event_ts: f.last_event_ts,
      due_at: f.due_at,
      cadence_ms: f.cadence_ms,
      slack_ms: f.slack_ms,
      records: f.records,
    },
  };
  emit({ kind: 'row', row });
}

/** How an ingest run was counted. */
export interface IngestCount {
  readonly failed: boolean;
  /** Null for a run that was not counted (late); the metrics are emitted only for counted runs. */
  readonly consecutiveFailures: number | null;
  /** Emit the metric points (a counted run) or only the row (a late or repeated one). */
  readonly points: boolean;
}

/** An ingest run's points (ts = finished_at; labels ingest, env) and its `ingest_runs` row. */
export function emitIngestRun(emit: Emit, run: IngestRun, count: IngestCount): void {
  const labels = { env: run.env, ingest: run.ingest };
  const ts = run.finished_at;
  const dataLagMs = run.data_until === null ? null : run.finished_at - run.data_until;
  if (count.points && count.consecutiveFailures !== null) {
    metric(emit, M.ingestFailed, labels, count.failed ? 1 : 0, ts);
    metric(emit, M.ingestConsecutiveFailures, labels, count.consecutiveFailures, ts);
    metric(emit, M.ingestRows, labels, run.rows, ts);
    metric(emit, M.ingestDuration, labels, run.duration_ms, ts);
    if (dataLagMs !== null) metric(emit, M.ingestDataLag, labels, dataLagMs, ts);
  }
  emit({
    kind: 'row',
    row: {
      table: FRESHNESS_TABLES.ingestRuns,
      ts,
      symbols: { ingest: run.ingest, env: run.env, run_id: run.run_id, status: run.status },
      columns: {
        failed: count.failed,
        consecutive_failures: count.consecutiveFailures,
        rows: run.rows,
        duration_ms: run.duration_ms,
        started_at: run.started_at,
        data_until: run.data_until,
        data_lag_ms: dataLagMs,
        error: run.error,
      },
    },
  });
}

/** How an inference cycle was counted and judged. */
export interface CycleCount {
  readonly failed: boolean;
  /** Null for a cycle that was not counted (late). */
  readonly consecutiveFailures: number | null;
  readonly points: boolean;
  /** as_of − weights_updated_at; null when weights_updated_at is. */
  readonly weightsAgeMs: number | null;
  /** Null when not judged: no allowed age configured, or the age is unknown. */
  readonly weightsStale: boolean | null;
}

/** An inference cycle's points (ts = finished_at; labels strategy, env) and its `inference_cycles` row. */
export function emitInferenceCycle(emit: Emit, cycle: InferenceCycle, count: CycleCount): void {
  const labels = { env: cycle.env, strategy: cycle.strategy };
  const ts = cycle.finished_at;
  const durationMs = cycle.finished_at - cycle.started_at;
  if (count.points && count.consecutiveFailures !== null) {
    metric(emit, M.inferenceCycleFailed, labels, count.failed ? 1 : 0, ts);
    metric(emit, M.inferenceConsecutiveFailures, labels, count.consecutiveFailures, ts);
    metric(emit, M.inferenceCycleDuration, labels, durationMs, ts);
    if (count.weightsAgeMs !== null) metric(emit, M.modelWeightsAge, labels, count.weightsAgeMs, ts);
    if (count.weightsStale !== null)
      metric(emit, M.modelWeightsStale, labels, count.weightsStale ? 1 : 0, ts);
  }
  emit({
    kind: 'row',
    row: {
      table: FRESHNESS_TABLES.inferenceCycles,
      ts,
      symbols: {
        strategy: cycle.strategy,
        env: cycle.env,
        cycle_id: cycle.cycle_id,
        status: cycle.status,
        model_version: cycle.model_version,
        ...(cycle.weights_version === null ? {} : { weights_version: cycle.weights_version }),
      },
      columns: {
        consecutive_failures: count.consecutiveFailures,
        duration_ms: durationMs,
        as_of: cycle.as_of,
        weights_updated_at: cycle.weights_updated_at,
        weights_age_ms: count.weightsAgeMs,
        weights_stale: count.weightsStale,
        error: cycle.error,
      },
    },
  });
}
