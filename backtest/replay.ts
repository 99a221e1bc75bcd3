/**
 * The monitoring replay (backtest/README.md, "Monitoring replay"): the live drawdown processor over the
 * backtest's equity as the virtual portfolio `backtest:<id>` (env: the config's), and the config's rules
 * file over what it emits, wired on the virtual runner with a virtual clock: the alerts that would have
 * fired. The marks: E_0 at the first rebalance, then each period's E_t at t + horizon (when the holding
 * period ends and its return is known). Live, the same marks give the same alerts.
 */
import { ManualClock } from '../core/clock.ts';
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import { loadRules } from '../processors/rules/rule-file.ts';
import { createRulesProcessor } from '../processors/rules/rules-processor.ts';
import type { CompiledRules } from '../processors/rules/types.ts';
import { VirtualRunner } from '../runtime/processor/virtual-runner.ts';
import type { Alert, PortfolioMark } from '../schemas/index.ts';
import type { BacktestConfig } from './config.ts';
import type { BacktestAlert, BacktestPeriod } from './result.ts';

/** The virtual portfolio of a backtest. */
export const backtestPortfolio = (id: string): string => `backtest:${id}`;

/** The marks of a backtest's equity (see the module comment). */
export function equityMarks(
  config: Pick<BacktestConfig, 'id' | 'env' | 'horizonMs' | 'initialEquity'>,
  periods: readonly BacktestPeriod[],
): PortfolioMark[] {
  if (periods.length === 0) return [];
  const mark = (ts: number, equity: number): PortfolioMark => ({
    portfolio: backtestPortfolio(config.id),
    env: config.env,
    ts,
    equity,
    cash: null,
  });
  return [
    mark(periods[0]!.t, config.initialEquity),
    ...periods.map((p) => mark(p.t + config.horizonMs, p.equity)),
  ];
}

/** An alert as the artifact keeps it. */
export function backtestAlert(a: Alert): BacktestAlert {
  return {
    ts: a.ts,
    rule: a.rule,
    severity: a.severity,
    status: a.status,
    fingerprint: a.fingerprint,
    summary: a.summary,
    labels: a.labels,
  };
}

/** The alerts the config's rules raise over the backtest's series; none without a rules file. */
export async function monitoringReplay(
  config: BacktestConfig,
  periods: readonly BacktestPeriod[],
): Promise<BacktestAlert[]> {
  if (config.rulesFile === null || periods.length === 0) return [];
  return replayAlerts(await loadRules(config.rulesFile), config, periods);
}

/** The replay with its rules already loaded. */
export function replayAlerts(
  rules: CompiledRules,
  config: Pick<BacktestConfig, 'id' | 'env' | 'horizonMs' | 'initialEquity'>,
  periods: readonly BacktestPeriod[],
): BacktestAlert[] {
  const marks = equityMarks(config, periods);
  if (marks.length === 0) return [];
  const runner = new VirtualRunner([createDrawdownProcessor(), createRulesProcessor(rules)], {
    clock: new ManualClock(marks[0]!.ts),
    roundTrip: false,
    wire: true,
  });
  const alerts: BacktestAlert[] = [];
  for (const m of marks) {
    runner.advanceTo(m.ts);
    runner.push('portfolio.marks', m, { key: m.portfolio, timestamp: m.ts });
    for (const o of runner.take()) if (o.kind === 'alert') alerts.push(backtestAlert(o.alert));
  }
  return alerts;
}
