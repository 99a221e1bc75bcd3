/** The history processor: every cycle, prediction, outcome and signal, point in time, for backtests. */
export { createHistoryProcessor, type HistoryRecord } from './history-processor.ts';
