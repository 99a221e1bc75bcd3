/**
 * The backtest engine: pure computation of the pinned semantics (backtest/README.md) from history held
 * in memory. A run is slices (any split of [from, to) by time) of independent rebalances, merged in time
 * order by one sequential pass (costs, equity, drawdown), then summarized: any slicing gives exactly the
 * figures of the unsliced run.
 */
import type { BacktestConfig } from '../config.ts';
import type { BacktestMetrics, BacktestPeriod } from '../result.ts';
import type { BacktestInputs } from './inputs.ts';
import { mergeRebalances } from './merge.ts';
import { backtestMetrics } from './metrics.ts';
import { RebalanceContext, outcomesByAsOf, rebalance, type RebalanceResult } from './rebalance.ts';
import { rebalanceCycles, timeSlices } from './schedule.ts';
import { SignalIndex } from './signals.ts';

export type {
  BacktestInputs,
  HistoryCycle,
  HistoryOutcome,
  HistoryPrediction,
  HistorySignal,
} from './inputs.ts';
export { mergeRebalances, turnover } from './merge.ts';
export { backtestMetrics } from './metrics.ts';
export { rebalance, zScores, type RebalanceResult } from './rebalance.ts';
export { rebalanceCycles, timeSlices } from './schedule.ts';
export { SignalIndex } from './signals.ts';

/** The names (`<source>.<name>`) of the config's signal factors. */
export function signalNames(config: BacktestConfig): Set<string> {
  return new Set(config.factors.flatMap((f) => (f.kind === 'signal' ? [`${f.source}.${f.signal}`] : [])));
}

/**
 * The rebalances of the slice [from, to): the schedule is the whole run's (a rebalance's place depends
 * on the previous one), `inputs` need only hold the slice's cycles plus every earlier cycle's as_of.
 * `onRebalance` is told after each one (progress).
 */
export function computeSlice(
  inputs: BacktestInputs,
  config: BacktestConfig,
  range: readonly [number, number],
  onRebalance: () => void = () => {},
): RebalanceResult[] {
  const ctx = new RebalanceContext(
    config,
    new SignalIndex(inputs.signals, signalNames(config)),
    outcomesByAsOf(inputs.outcomes, config.horizonMs),
  );
  const results: RebalanceResult[] = [];
  for (const cycle of rebalanceCycles(inputs.cycles, config)) {
    if (cycle.asOf < range[0] || cycle.asOf >= range[1]) continue;
    results.push(rebalance(cycle, ctx));
    onRebalance();
  }
  return results;
}

/** Periods and metrics from the rebalances of every slice. */
export function mergeSlices(
  slices: readonly (readonly RebalanceResult[])[],
  config: BacktestConfig,
): { periods: BacktestPeriod[]; metrics: BacktestMetrics } {
  const periods = mergeRebalances(slices.flat(), config);
  return { periods, metrics: backtestMetrics(periods, config) };
}

/** A whole run in this thread, slice by slice (the config's slices). */
export function runBacktest(
  inputs: BacktestInputs,
  config: BacktestConfig,
): { periods: BacktestPeriod[]; metrics: BacktestMetrics } {
  return mergeSlices(
    timeSlices(config).map((range) => computeSlice(inputs, config, range)),
    config,
  );
}
