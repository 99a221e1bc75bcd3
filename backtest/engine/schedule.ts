/**
 * The rebalance schedule (pinned, backtest/README.md): the as_of of the strategy's successful cycles of
 * the config's horizon in [from, to): the first, then each next one whose as_of ≥ the previous
 * rebalance + horizon (non-overlapping holding periods).
 */
import type { BacktestConfig } from '../config.ts';
import type { HistoryCycle } from './inputs.ts';

/** The cycle behind each rebalance, by ascending as_of. Two cycles of one as_of: the one known last. */
export function rebalanceCycles(
  cycles: readonly HistoryCycle[],
  config: Pick<BacktestConfig, 'from' | 'to' | 'horizonMs'>,
): HistoryCycle[] {
  const byAsOf = new Map<number, HistoryCycle>();
  for (const c of cycles) {
    if (c.status !== 'success' || c.horizonMs !== config.horizonMs) continue;
    if (c.asOf < config.from || c.asOf >= config.to) continue;
    const held = byAsOf.get(c.asOf);
    if (
      held === undefined ||
      c.ingestedAt > held.ingestedAt ||
      (c.ingestedAt === held.ingestedAt && c.cycleId > held.cycleId)
    ) {
      byAsOf.set(c.asOf, c);
    }
  }
  const chosen: HistoryCycle[] = [];
  let next = -Infinity;
  for (const asOf of [...byAsOf.keys()].sort((a, b) => a - b)) {
    if (asOf < next) continue;
    chosen.push(byAsOf.get(asOf)!);
    next = asOf + config.horizonMs;
  }
  return chosen;
}

/** The time slices [from, to) of `sliceMs` covering the config's period, in order. */
export function timeSlices(config: Pick<BacktestConfig, 'from' | 'to' | 'sliceMs'>): [number, number][] {
  const slices: [number, number][] = [];
  for (let from = config.from; from < config.to; from += config.sliceMs) {
    slices.push([from, Math.min(from + config.sliceMs, config.to)]);
  }
  return slices;
}
