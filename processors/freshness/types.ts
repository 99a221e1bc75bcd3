/**
 * The freshness processor's state, metrics and tables.
 *
 * Terminology (see also options.ts):
 * - state key: `<topic>|<source key>`, one per Kafka key of a source topic (so a key's state lives in
 *   the partition of its records); its state holds one {@link SourceEnvState} per env seen;
 * - due: when a source goes stale, `last_seen + cadence + slack`;
 * - episode: the time a source is stale, from its due time to the record that ends the silence (or to
 *   it being forgotten); `source_stale` is 1 during it and 0 otherwise, so the rules engine raises one
 *   alert per episode and resolves it once.
 */

/** The freshness of one source (a key of a topic, in one env). Times are epoch ms (wall clock). */
export interface SourceFreshness {
  /** When the source was first seen (an expected source: when the watch began, until its first record). */
  first_seen: number;
  /** When its newest record was seen (the largest seen time so far). */
  last_seen: number;
  /** The event time of the record seen last (null if it had none usable). */
  last_event_ts: number | null;
  /** Records seen since `first_seen` (0: an expected source that has sent nothing yet). */
  records: number;
  /** The cadence and slack `due_at` was computed with (for rows and messages). */
  cadence_ms: number;
  slack_ms: number;
  /** When the source goes stale if nothing more is seen: last_seen + cadence + slack. */
  due_at: number;
  /** The due time the current episode started at; null while the source is fresh. */
  stale_since: number | null;
  /** When a stale source is forgotten (last_seen + forget_after); null: never. */
  forget_at: number | null;
  /** Silent for longer than forget_after: its episode was closed and it is no longer reported. */
  forgotten: boolean;
  /** The next report slot (a multiple of report_every); null when reports are off or forgotten. */
  next_report_at: number | null;
  /** The ts of the newest point emitted for the source: points are never stamped earlier. */
  last_point_ts: number;
}

/** The health of a run-like source (ingest runs, inference cycles) in one env. */
export interface RunHealth {
  /** The run_id / cycle_id of the newest run counted. */
  last_id: string;
  /** Its finished_at: a run that finished earlier is late and not counted. */
  last_finished_at: number;
  /** Failed runs in a row, up to the newest counted (0 after a success). */
  consecutive_failures: number;
}

/** Everything kept for one source key in one env. */
export interface SourceEnvState {
  /** Null when the key is ignored (not watched for silence). */
  freshness: SourceFreshness | null;
  /** IngestRun and InferenceCycle topics only. */
  health: RunHealth | null;
}

/** The state of one source key. JSON. */
export interface FreshnessState {
  /** The logical topic. */
  topic: string;
  /** The source key: the Kafka key, or the catalogue key of a record without one. */
  source: string;
  /** Per env (prod, staging, paper). */
  envs: Record<string, SourceEnvState>;
}

/** The metric points the processor emits (topic `metrics`). */
export const FRESHNESS_METRICS = {
  /** 1 while a source is stale, 0 when fresh (first seen, back, or forgotten). Labels: topic, source, env. */
  sourceStale: 'source_stale',
  /** Time since the source was last seen (0 when a record ends a silence). Labels: topic, source, env. */
  sourceStaleness: 'source_staleness_ms',
  /** Seen time minus event time of the source's newest record, in reports. Labels: topic, source, env. */
  sourceLag: 'source_lag_ms',
  /** 1 for a failed run (and a partial one that counts as failed), else 0. Labels: ingest, env. */
  ingestFailed: 'ingest_failed',
  ingestConsecutiveFailures: 'ingest_consecutive_failures',
  ingestRows: 'ingest_rows',
  ingestDuration: 'ingest_duration_ms',
  /** finished_at − data_until (runs with a data_until). */
  ingestDataLag: 'ingest_data_lag_ms',
  /** 1 for a failed cycle, else 0. Labels: strategy, env. */
  inferenceCycleFailed: 'inference_cycle_failed',
  inferenceConsecutiveFailures: 'inference_consecutive_failures',
  inferenceCycleDuration: 'inference_cycle_duration_ms',
  /** as_of − weights_updated_at (cycles with a weights_updated_at). */
  modelWeightsAge: 'model_weights_age_ms',
  /** 1 when the weights are older than weights_max_age, else 0. */
  modelWeightsStale: 'model_weights_stale',
} as const;

/** The QuestDB tables it writes (declared in sinks/questdb/tables.ts). */
export const FRESHNESS_TABLES = {
  freshness: 'freshness',
  ingestRuns: 'ingest_runs',
  inferenceCycles: 'inference_cycles',
} as const;

/** What a `freshness` row records. */
export const FRESHNESS_EVENTS = [
  'first_seen',
  'stale',
  'resumed',
  'report',
  'forgotten',
  'unwatched',
  'retired',
] as const;
export type FreshnessEvent = (typeof FRESHNESS_EVENTS)[number];
