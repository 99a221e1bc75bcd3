/**
 * The drawdown processor (portfolio.marks → drawdown metrics and sink rows): its factory, options and
 * the names of what it writes. Its building blocks (the per-environment window state, the settled
 * marks' summary steps, the reader of the earlier state format) are internals, imported from their files.
 */
export { createDrawdownProcessor } from './drawdown-processor.ts';
export { DEFAULT_DRAWDOWN_OPTIONS, compileDrawdownOptions } from './options.ts';
export type { CompiledDrawdownOptions, DrawdownOptions } from './options.ts';
export { DRAWDOWN_METRICS, DRAWDOWN_TABLES } from './types.ts';
export type { DrawdownState } from './types.ts';
