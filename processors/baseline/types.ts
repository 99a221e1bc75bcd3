/**
 * The baseline processor's state and names.
 *
 * Terminology:
 * - series: one strategy × env × metric; its baseline is kept where its observations arrive;
 * - observation: one value of a series at an event time: a success cycle's snapshot entry or its
 *   latency (time: the cycle's `as_of`), or a closed window's sum of a summed metric (time: the
 *   window's start), e.g. the realized PnL of a strategy over a UTC day;
 * - baseline: the series' EWMA mean and variance (half-life decay) and optional trailing window, over
 *   the observations before the current one;
 * - deviation: the z-score of an observation against the baseline before it.
 */
import type { WindowState } from '../windows/index.ts';
import type { Position } from './positions.ts';
import type { SeriesBaseline } from './series-baseline.ts';

/**
 * The state of a (strategy, env) of `inference.cycles` (the topic's Kafka key is the strategy, so all
 * its cycles share a partition): one baseline per metric, as `[metric, baseline]` pairs sorted by
 * metric (a list rather than an object so that any metric name, even `__proto__`, is a plain key).
 */
export interface CyclesState {
  kind: 'cycles';
  series: [metric: string, baseline: SeriesBaseline][];
}

/**
 * The state of a (portfolio, env, asset) of `trades` (Kafka key: the portfolio): the open position and
 * the ids of its last fills, to refuse a fill published twice.
 */
export interface PositionState {
  kind: 'position';
  position: Position;
  /** The last {@link RECENT_TRADE_IDS} trade ids booked, oldest first. */
  recent: string[];
}

/**
 * The state of a summed series of `metrics` (Kafka key: the series key): its open windows and the
 * baseline of the windows' sums.
 */
export interface SumState {
  kind: 'sum';
  /** The window size the open windows were made for; a change of configuration starts afresh. */
  windowMs: number;
  windows: WindowState<number>;
  baseline: SeriesBaseline;
}

/**
 * The one state of every record the processor does not use (failed cycles, metrics that are not
 * summed), per input partition: they all map to {@link IGNORED_KEY}, so ignoring a record costs one
 * tiny changelog entry per batch, not one per series.
 */
export interface IgnoredState {
  kind: 'ignored';
}

export type BaselineState = CyclesState | PositionState | SumState | IgnoredState;

/** The state key of ignored records (no series key or JSON key can be equal to it). */
export const IGNORED_KEY = '(ignored)';

/** How many trade ids a position remembers to refuse duplicates. */
export const RECENT_TRADE_IDS = 32;

/** The observation derived from every success cycle: finished_at − started_at, in ms. */
export const LATENCY_METRIC = 'latency_ms';

/** The metric points the processor emits. */
export const BASELINE_METRICS = {
  /** z-score of an observation against the EWMA baseline (labels strategy, env, metric). */
  zscore: 'baseline_zscore',
  /** |z|, for threshold rules on either direction. */
  zscoreAbs: 'baseline_zscore_abs',
  /** z-score against the trailing window, for series that have one. */
  zscoreWindow: 'baseline_zscore_window',
  /** Realized PnL of one trade (labels strategy, env; ts: the trade's), summed per day by this processor. */
  realizedPnl: 'strategy_realized_pnl',
} as const;

/**
 * The QuestDB table: one row per observation (symbols strategy, env, metric; columns value, mean,
 * std, z, window_mean, window_std, window_z, observations).
 */
export const BASELINE_TABLE = 'baseline';
