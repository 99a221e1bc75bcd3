/** The names the precision@K processors share: topics, metrics, tables. */

/** Internal topic: cycles, outcomes and watermarks keyed by `${horizon_ms}|${as_of}`. */
export const BY_AS_OF_TOPIC = 'ranking.by-as-of';
/** Internal topic: per-cycle score points keyed by `${strategy}|${env}`, for the rolling stage. */
export const SCORES_TOPIC = 'ranking.scores';

/** The outcome watermark broadcast to every partition of ranking.by-as-of (labels: horizon_ms). */
export const WATERMARK_METRIC = 'ranking_outcome_watermark';

/** Per-cycle metric names (labels strategy, env, cycle_id, and k for the per-K ones; ts = as_of). */
export const RANKING_METRICS = {
  precision: 'precision_at_k',
  recall: 'recall_at_k',
  hit: 'hit_at_k',
  ndcg: 'ndcg_at_k',
  rankIc: 'rank_ic',
  /** Value 1: the cycle was never scored because no outcome (or no benchmark outcome) arrived. */
  unlabeled: 'ranking_cycle_unlabeled',
  /** Value 1: the cycle failed upstream (status failure). */
  failed: 'ranking_cycle_failed',
} as const;

/** The per-K metric names, in output order. */
export const PER_K_METRICS = [
  RANKING_METRICS.precision,
  RANKING_METRICS.recall,
  RANKING_METRICS.hit,
  RANKING_METRICS.ndcg,
] as const;

/**
 * The rolling name of a per-cycle metric over a window suffix: `precision_at_k` → `precision_at_k_7d`;
 * the markers are counted: `ranking_cycle_unlabeled` → `ranking_unlabeled_cycles_7d`.
 */
export function rollingName(name: string, suffix: string): string {
  if (name === RANKING_METRICS.unlabeled) return `ranking_unlabeled_cycles_${suffix}`;
  if (name === RANKING_METRICS.failed) return `ranking_failed_cycles_${suffix}`;
  return `${name}_${suffix}`;
}

/** Whether the rolling stage counts a metric's points (markers) rather than averaging their values. */
export function isCounted(name: string): boolean {
  return name === RANKING_METRICS.unlabeled || name === RANKING_METRICS.failed;
}

/** Every metric name the rolling stage folds. */
export const ROLLED_METRICS: readonly string[] = [
  ...PER_K_METRICS,
  RANKING_METRICS.rankIc,
  RANKING_METRICS.unlabeled,
  RANKING_METRICS.failed,
];

/** QuestDB tables (declared in sinks/questdb/tables.ts). */
export const RANKING_TABLES = {
  /** One row per scored cycle and K. */
  scores: 'ranking_scores',
  /** One row per cycle (scored, unlabeled or failed). */
  cycles: 'ranking_cycles',
  /** One row per rolling point. */
  rolling: 'ranking_rolling',
} as const;

/** The `k` symbol of rolling rows of series without a K (rank_ic, the counts). */
export const NO_K = 'none';
