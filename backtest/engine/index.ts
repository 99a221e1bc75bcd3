/**
 * The backtest engine: pure computation of the pinned semantics (backtest/README.md) from history held
 * in memory. A run is slices (any split of [from, to) by time) of independent rebalances, merged in time
 * order by one sequential pass (costs, equity, drawdown), then summarized: any slicing gives exactly the
 * figures of the unsliced run.
 */
import type { BacktestConfig } from '../config.ts';
import type { BacktestMetrics, BacktestPeriod } from '../result.ts';
import type { BacktestInputs, HistoryCycle } from './inputs.ts';
import { mergeRebalances } from './merge.ts';
import { backtestMetrics } from './metrics.ts';
import { RebalanceContext, rebalance, type RebalanceResult } from './rebalance.ts';
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
export { rebalance, type RebalanceResult } from './rebalance.ts';
export { replayRanking, type ReplayRanking } from './replay-outcomes.ts';
export { rebalanceCycles, timeSlices } from './schedule.ts';
export { SignalIndex } from './signals.ts';

/** The names (`<source>.<name>`) of the config's signal factors. */
export function signalNames(config: BacktestConfig): Set<string> {
  return new Set(config.factors.flatMap((f) => (f.kind === 'signal' ? [`${f.source}.${f.signal}`] : [])));
}

function predictedAssets(cycles: readonly HistoryCycle[]): Set<string> {
  const assets = new Set<string>();
  for (const c of cycles) for (const p of c.predictions) assets.add(p.asset);
  return assets;
}

/**
 * The rebalances of the given (scheduled) cycles: `inputs.cycles` are rebalance cycles already (see
 * {@link sliceInputs}); outcomes and signals need only cover them. `onRebalance` is told after each one.
 */
export function computeRebalances(
  inputs: BacktestInputs,
  config: BacktestConfig,
  onRebalance: () => void = () => {},
): RebalanceResult[] {
  const ctx = new RebalanceContext(
    config,
    new SignalIndex(inputs.signals, signalNames(config)),
    inputs.outcomes,
    predictedAssets(inputs.cycles),
  );
  return inputs.cycles.map((cycle) => {
    const result = rebalance(cycle, ctx);
    onRebalance();
    return result;
  });
}

/**
 * What the slice [from, to) needs of the whole run's inputs: its scheduled cycles (the schedule is the
 * whole run's: a rebalance's place depends on the previous one), their outcomes and the signals that
 * may be visible at their times.
 */
export function sliceInputs(
  inputs: BacktestInputs,
  config: BacktestConfig,
  range: readonly [number, number],
  schedule: readonly HistoryCycle[] = rebalanceCycles(inputs.cycles, config),
): BacktestInputs {
  const [from, to] = range;
  const ages = config.factors.flatMap((f) => (f.kind === 'signal' ? [f.maxAgeMs] : []));
  const oldest = ages.includes(null) ? -Infinity : from - Math.max(0, ...(ages as number[]));
  return {
    cycles: schedule.filter((c) => c.asOf >= from && c.asOf < to),
    outcomes: inputs.outcomes.filter((o) => o.asOf >= from && o.asOf < to),
    signals: inputs.signals.filter((s) => s.eventTime < to && s.eventTime >= oldest && s.ingestedAt < to),
  };
}

/** The rebalances of the slice [from, to) of a run whose inputs are `inputs`. */
export function computeSlice(
  inputs: BacktestInputs,
  config: BacktestConfig,
  range: readonly [number, number],
): RebalanceResult[] {
  return computeRebalances(sliceInputs(inputs, config, range), config);
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
