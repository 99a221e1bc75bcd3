/**
 * Backtests: the request format, its fan-out into BacktestTask records, and their enqueuing on
 * `backtest.tasks` for a pool of workers. The engine that runs a task is the next phase.
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
