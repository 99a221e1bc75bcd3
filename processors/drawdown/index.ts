/**
 * The drawdown processor (portfolio.marks → drawdown metrics and sink rows) and its pure building
 * blocks: a monotonic-deque trailing maximum and a two-stack sliding max-drawdown aggregator.
 */
export { createDrawdownProcessor } from './drawdown-processor.ts';
export { DEFAULT_DRAWDOWN_OPTIONS, compileDrawdownOptions } from './options.ts';
export type { CompiledDrawdownOptions, DrawdownOptions } from './options.ts';
export { DRAWDOWN_METRICS, DRAWDOWN_TABLES } from './types.ts';
export type { DrawdownState } from './types.ts';
export { LATE_REJECTION_PREFIX, isLateRejection } from './late.ts';
export { emptyEnvWindow, newestTs, observeMark, retainedCount } from './env-window.ts';
export type { DrawdownFigures, EnvWindowState, Observation, RetainedMark } from './env-window.ts';
export {
  emptyTrailingMax,
  expireTrailingMax,
  pushTrailingMax,
  trailingMaxSize,
  trailingMaxValue,
} from './trailing-max.ts';
export type { TrailingMax } from './trailing-max.ts';
export {
  emptySlidingMaxDrawdown,
  expireSlidingMaxDrawdown,
  pushSlidingMaxDrawdown,
  slidingMaxDrawdownSize,
  slidingMaxDrawdownSummary,
} from './sliding-max-drawdown.ts';
export type { SlidingMaxDrawdown, WindowSummary } from './sliding-max-drawdown.ts';
export { appendToSegment, combineSegments, singleSegment } from './segment-summary.ts';
export type { SegmentSummary } from './segment-summary.ts';
export { DAY_MS, sameUtcDay, utcDayStart } from './utc-day.ts';
export { validateMark } from './validate.ts';
