/**
 * Backtests: the version 2 config, the engine (the pinned semantics), history read point in time, the
 * run in this process, versioned artifacts, the pool of workers on `backtest.tasks`, the monitoring
 * replay; and the version 1 request format with its fan-out (backtest/README.md).
 */
export {
  MAX_SLICES,
  backtestRequestJsonSchema,
  loadBacktestRequest,
  parseBacktestRequest,
  type BacktestRequest,
} from './request.ts';
export { backtestTasks } from './tasks.ts';
export { enqueueBacktest, type AtomicRecordSender, type EnqueueResult } from './enqueue.ts';
export {
  backtestConfigJsonSchema,
  loadBacktestConfig,
  parseBacktestConfig,
  type BacktestConfig,
  type Factor,
} from './config.ts';
export { runBacktest } from './engine/index.ts';
export { readHistory, readSliceHistory, historyQueries, type HistorySource } from './history.ts';
export { runBacktestHere, reportRenderer, type RunOptions, type RunOutcome } from './run.ts';
export { configTasks, runTask, type TaskOutcome } from './pool.ts';
export { runBacktestWorker, workerGroup, type WorkerOptions } from './worker.ts';
export { monitoringReplay, equityMarks, backtestPortfolio } from './replay.ts';
export type {
  BacktestAlert,
  BacktestManifest,
  BacktestMetrics,
  BacktestPeriod,
  BacktestResult,
} from './result.ts';
export { loadBacktestTaskSource, type BacktestTaskSource } from './task-source.ts';
