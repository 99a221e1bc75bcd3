/**
 * Rolling precision@K (README.md in this folder): three processors, chained by two internal topics.
 *
 * ```
 * inference.cycles ─┐                        ┌────────────┐                       ┌──────────────────┐
 *                   ├─ ranking-repartition ─►│  ranking   │─ ranking.scores ────► │ ranking-rolling  │
 * outcomes ─────────┘  (ranking.by-as-of,    │ (the join) │─ metrics, rows        │ (7d, 30d means)  │─ metrics, rows
 *                       + watermarks)        └────────────┘                       └──────────────────┘
 * ```
 */
export { DEFAULT_RANKING_FILE, loadRankingOptions, parseRankingOptions } from './ranking-file.ts';
export {
  DEFAULT_RANKING_SETTINGS,
  MAX_K,
  RELEVANCE_MODES,
  compileRankingOptions,
  type RankingOptions,
  type RankingSettings,
  type Relevance,
  type RelevanceMode,
  type RollingWindow,
} from './options.ts';
export {
  BY_AS_OF_TOPIC,
  NO_K,
  PER_K_METRICS,
  RANKING_METRICS,
  RANKING_TABLES,
  ROLLED_METRICS,
  SCORES_TOPIC,
  WATERMARK_METRIC,
  rollingName,
} from './names.ts';
export {
  averageRanks,
  hitAtK,
  hitsAtK,
  ndcgAtK,
  pearson,
  precisionAtK,
  recallAtK,
  spearman,
} from './ranking-metrics.ts';
export { byName, relevantAssets, topKByReturn, type Universe } from './relevance.ts';
export { scoreCycle, type CycleScore, type HeldCycle, type KScore } from './score-cycle.ts';
export { emitCycleScore, type ClosedBy, type ScoredCycle } from './cycle-outputs.ts';
export { validateCycle, validateOutcome, validateWatermark } from './validate.ts';
export {
  byAsOfKey,
  createRankingRepartitionProcessor,
  type RepartitionState,
} from './repartition-processor.ts';
export {
  createRankingProcessor,
  type AsOfGroup,
  type RankingState,
  type WaitingCycle,
} from './ranking-processor.ts';
export {
  createRankingRollingProcessor,
  trailing,
  type RollingCycle,
  type RollingState,
  type TrailingValue,
} from './rolling-processor.ts';
