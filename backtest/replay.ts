/**
 * The monitoring replay (backtest/README.md, "Monitoring replay"): the live processors over the
 * backtest's series, wired by their topics on one virtual runner with a virtual clock, and the config's
 * rules file over what they emit: the alerts that would have fired.
 * - drawdown over the equity as the virtual portfolio `backtest:<id>` (env: the config's): E_0 at the
 *   first rebalance, then each period's E_t at t + horizon (when the holding period ends);
 * - ranking-repartition → ranking → ranking-rolling over one InferenceCycle per rebalance (strategy
 *   `backtest:<id>`, as_of = t, the combined ranking's top as its predictions) pushed at t, and the
 *   Outcomes of (t, horizon) pushed at t + horizon, each on the partition the live producer picks (its
 *   key, the asset): a cycle closes when every outcomes partition has outcomes of a later as_of (the
 *   watermark), else at the join's wall-clock deadline, which runs on the virtual clock;
 * - baseline over each period's realized PnL (E_t − E_(t−1)) as `strategy_realized_pnl` at t + horizon
 *   (why: backtest/README.md).
 */
import { ManualClock } from '../core/clock.ts';
import { createBaselineProcessor } from '../processors/baseline/index.ts';
import type { Output, Processor } from '../processors/contract.ts';
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import {
  compileRankingOptions,
  createRankingProcessor,
  createRankingRepartitionProcessor,
  createRankingRollingProcessor,
} from '../processors/ranking/index.ts';
import { loadRules } from '../processors/rules/rule-file.ts';
import { createRulesProcessor } from '../processors/rules/rules-processor.ts';
import type { CompiledRules } from '../processors/rules/types.ts';
import { VirtualRunner } from '../runtime/processor/virtual-runner.ts';
import type { Alert, InferenceCycle, Metric, Outcome, PortfolioMark } from '../schemas/index.ts';
import { seriesKey } from '../topics/catalogue.ts';
import { partitionOfKey, partitionsOf } from '../topics/partition-of.ts';
import type { BacktestConfig } from './config.ts';
import type { RebalanceResult } from './engine/index.ts';
import type { BacktestAlert, BacktestPeriod } from './result.ts';

type ReplayConfig = Pick<BacktestConfig, 'id' | 'env' | 'horizonMs' | 'initialEquity' | 'ks' | 'relevance'>;

/** The virtual portfolio of a backtest. */
export const backtestPortfolio = (id: string): string => `backtest:${id}`;
/** The virtual strategy of a backtest's combined ranking (and its PnL). */
export const backtestStrategy = backtestPortfolio;

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

/** The inference cycle of a rebalance: its combined ranking as predictions (null without one). */
export function rankingCycle(
  config: Pick<BacktestConfig, 'id' | 'env' | 'horizonMs'>,
  rebalance: RebalanceResult,
): InferenceCycle | null {
  if (rebalance.replay === undefined) return null;
  const t = rebalance.t;
  return {
    cycle_id: `${backtestStrategy(config.id)}:${t}`,
    strategy: backtestStrategy(config.id),
    env: config.env,
    model_version: 'backtest',
    weights_version: null,
    weights_updated_at: null,
    as_of: t,
    started_at: t,
    finished_at: t,
    status: 'success',
    error: null,
    horizon_ms: config.horizonMs,
    metrics: {},
    predictions: rebalance.replay.ranking.map(([asset, score], i) => ({ asset, score, rank: i + 1 })),
  };
}

/** The outcomes of (t, horizon) a rebalance saw. */
export function rankingOutcomes(
  config: Pick<BacktestConfig, 'horizonMs'>,
  rebalance: RebalanceResult,
): Outcome[] {
  return (rebalance.replay?.outcomes ?? []).map(([asset, r]) => ({
    asset,
    as_of: rebalance.t,
    horizon_ms: config.horizonMs,
    forward_return: r,
  }));
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
  rebalances: readonly RebalanceResult[] = [],
): Promise<BacktestAlert[]> {
  if (config.rulesFile === null || periods.length === 0) return [];
  return replayAlerts(await loadRules(config.rulesFile), config, periods, rebalances);
}

/** The live processors a replay runs, wired by their topics (see the module comment). */
export function replayProcessors(
  rules: CompiledRules,
  config: Pick<ReplayConfig, 'ks' | 'relevance'>,
): Processor<unknown, unknown>[] {
  const ranking = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
  return [
    createDrawdownProcessor(),
    createRankingRepartitionProcessor(ranking),
    createRankingProcessor(ranking),
    createRankingRollingProcessor(ranking),
    createBaselineProcessor(),
    createRulesProcessor(rules),
  ] as Processor<unknown, unknown>[];
}

/** The period's PnL as the baseline reads it: `strategy_realized_pnl` at t + horizon. */
export function periodPnl(
  config: Pick<ReplayConfig, 'id' | 'env' | 'horizonMs'>,
  period: BacktestPeriod,
  previousEquity: number,
): Metric {
  return {
    name: 'strategy_realized_pnl',
    labels: { strategy: backtestStrategy(config.id), env: config.env },
    value: period.equity - previousEquity,
    ts: period.t + config.horizonMs,
  };
}

/** The replay with its rules already loaded. */
export function replayAlerts(
  rules: CompiledRules,
  config: ReplayConfig,
  periods: readonly BacktestPeriod[],
  rebalances: readonly RebalanceResult[] = [],
): BacktestAlert[] {
  return replay(rules, config, periods, rebalances).alerts;
}

export interface ReplayOutput {
  readonly alerts: BacktestAlert[];
  /** The metric points emitted, when `keepMetrics` is set (tests, diagnostics). */
  readonly metrics: Metric[];
}

/**
 * The replay: `periods` (merged) and the `rebalances` they came from (any order; those with `replay`
 * data feed the ranking processors).
 */
export function replay(
  rules: CompiledRules,
  config: ReplayConfig,
  periods: readonly BacktestPeriod[],
  rebalances: readonly RebalanceResult[] = [],
  options: { readonly keepMetrics?: boolean } = {},
): ReplayOutput {
  const alerts: BacktestAlert[] = [];
  const metrics: Metric[] = [];
  if (periods.length === 0) return { alerts, metrics };
  const ranking = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
  const h = config.horizonMs;
  const runner = new VirtualRunner(replayProcessors(rules, config), {
    clock: new ManualClock(periods[0]!.t),
    roundTrip: false,
    wire: true,
  });
  const collect = (outputs: Output[]): void => {
    for (const o of outputs) {
      if (o.kind === 'alert') alerts.push(backtestAlert(o.alert));
      else if (options.keepMetrics === true && o.kind === 'metric') metrics.push(o.metric);
    }
  };
  const outcomePartitions = partitionsOf('outcomes');
  const byT = new Map(rebalances.map((r) => [r.t, r]));
  const strategy = backtestStrategy(config.id);
  const marks = equityMarks(config, periods);
  runner.push('portfolio.marks', marks[0]!, { key: marks[0]!.portfolio, timestamp: marks[0]!.ts });
  let previous = config.initialEquity;
  periods.forEach((p, i) => {
    // At t: the rebalance's cycle. Rebalances never overlap: t ≥ the previous t + horizon.
    runner.advanceTo(p.t);
    const r = byT.get(p.t);
    const cycle = r === undefined ? null : rankingCycle(config, r);
    if (cycle !== null) runner.push('inference.cycles', cycle, { key: strategy, timestamp: p.t });
    collect(runner.take());
    // At t + horizon: its outcomes, the equity mark and the period's PnL.
    runner.advanceTo(p.t + h);
    if (r !== undefined)
      for (const o of rankingOutcomes(config, r)) {
        const partition = partitionOfKey(o.asset, outcomePartitions);
        runner.push('outcomes', o, { key: o.asset, partition, timestamp: p.t + h });
      }
    const mark = marks[i + 1]!;
    runner.push('portfolio.marks', mark, { key: mark.portfolio, timestamp: mark.ts });
    const pnl = periodPnl(config, p, previous);
    previous = p.equity;
    runner.push('metrics', pnl, { key: seriesKey(pnl.name, pnl.labels), timestamp: pnl.ts });
    collect(runner.take());
  });
  // The last cycles close at their wall-clock deadline.
  if (ranking.deadlineMs !== null) runner.advanceTo(periods.at(-1)!.t + h + ranking.deadlineMs);
  collect(runner.take());
  return { alerts, metrics };
}
