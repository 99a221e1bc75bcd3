/**
 * The baseline processor (inference.cycles, trades, metrics → z-scores of strategy metrics against
 * their EWMA and trailing-window baselines) and its pure building blocks.
 *
 * ```ts
 * const options = await loadBaselineOptions(DEFAULT_BASELINE_FILE); // ConfigError listing every problem
 * const processor = createBaselineProcessor(options);
 * ```
 */
export { BASELINE_INPUTS, createBaselineProcessor } from './baseline-processor.ts';
export type { BaselineRecord } from './baseline-processor.ts';
export { DEFAULT_BASELINE_FILE, loadBaselineOptions, parseBaselineOptions } from './baseline-file.ts';
export { DEFAULT_SERIES_SETTINGS, DEFAULT_WINDOW_SUMS, compileBaselineOptions } from './options.ts';
export type {
  BaselineOptions,
  BaselineOverride,
  BaselineSettings,
  CompiledBaselineOptions,
  CompiledWindowSum,
  SeriesSettings,
  WindowSum,
} from './options.ts';
export { BASELINE_METRICS, BASELINE_TABLE, IGNORED_KEY, LATENCY_METRIC, RECENT_TRADE_IDS } from './types.ts';
export type { BaselineState, CyclesState, IgnoredState, PositionState, SumState } from './types.ts';
export { emptyEwma, ewmaMoments, foldEwma } from './ewma.ts';
export type { Ewma, Moments } from './ewma.ts';
export {
  addToTrailingWindow,
  emptyTrailingWindow,
  expireTrailingWindow,
  trailingWindowMoments,
} from './trailing-window.ts';
export type { TrailingWindow, WindowMoments } from './trailing-window.ts';
export { emptySeriesBaseline, observe, zScore } from './series-baseline.ts';
export type { Deviation, Observed, SeriesBaseline } from './series-baseline.ts';
export { bookFill, flatPosition } from './positions.ts';
export type { Fill, Position, Realized } from './positions.ts';
