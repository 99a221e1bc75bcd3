/**
 * One rebalance, pinned (backtest/README.md, "Semantics"): candidates, factor z-scores, the combined
 * score and ranking, the top k and their weights, the gross return over the holding period and the
 * ranking metrics of the combined ranking (the live definitions: processors/ranking's scoreCycle).
 * Independent of every other rebalance, so slices can compute rebalances apart and merge them exactly.
 */
import { compileRankingOptions, type RankingOptions } from '../../processors/ranking/options.ts';
import { spearman } from '../../processors/ranking/ranking-metrics.ts';
import { byName } from '../../processors/ranking/relevance.ts';
import { scoreCycle } from '../../processors/ranking/score-cycle.ts';
import type { BacktestConfig } from '../config.ts';
import type { HistoryCycle, HistoryOutcome } from './inputs.ts';
import type { SignalIndex } from './signals.ts';

/** What a rebalance gives before the sequential merge (costs, equity, drawdown). */
export interface RebalanceResult {
  readonly t: number;
  /** Weight per held asset, in ranking order (assets of weight 0 are not held). */
  readonly weights: Readonly<Record<string, number>>;
  /** Σ_i w_i × forward_return(i), before costs. */
  readonly grossReturn: number;
  readonly candidates: number;
  readonly unlabeled: number;
  readonly precisionAtK: Readonly<Record<string, number | null>>;
  readonly recallAtK: Readonly<Record<string, number | null>>;
  readonly ndcgAtK: Readonly<Record<string, number | null>>;
  readonly ic: number | null;
}

/** The forward returns of the config's horizon by as_of; of several revisions, the one known last. */
export function outcomesByAsOf(
  outcomes: readonly HistoryOutcome[],
  horizonMs: number,
): Map<number, Map<string, number>> {
  const known = new Map<number, Map<string, HistoryOutcome>>();
  for (const o of outcomes) {
    if (o.horizonMs !== horizonMs) continue;
    let byAsset = known.get(o.asOf);
    if (byAsset === undefined) known.set(o.asOf, (byAsset = new Map<string, HistoryOutcome>()));
    const held = byAsset.get(o.asset);
    if (held === undefined || o.ingestedAt >= held.ingestedAt) byAsset.set(o.asset, o);
  }
  return new Map(
    [...known].map(([asOf, byAsset]) => [
      asOf,
      new Map([...byAsset].map(([asset, o]) => [asset, o.forwardReturn])),
    ]),
  );
}

/** What every rebalance of one run shares. */
export class RebalanceContext {
  readonly config: BacktestConfig;
  readonly signals: SignalIndex;
  readonly outcomes: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly ranking: RankingOptions;
  readonly #universe: ReadonlySet<string> | null;

  constructor(
    config: BacktestConfig,
    signals: SignalIndex,
    outcomes: ReadonlyMap<number, ReadonlyMap<string, number>>,
  ) {
    this.config = config;
    this.signals = signals;
    this.outcomes = outcomes;
    this.ranking = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
    this.#universe = config.universe === null ? null : new Set(config.universe);
  }

  inUniverse(asset: string): boolean {
    return this.#universe === null || this.#universe.has(asset);
  }

  /** The assets a signal factor may add as candidates. */
  signalAssets(name: string): Iterable<string> {
    return this.config.universe ?? this.signals.assets(name);
  }
}

/** Each value's population z-score; all 0 with fewer than 2 values or a standard deviation of 0. */
export function zScores(values: readonly number[]): number[] {
  const n = values.length;
  if (n < 2) return values.map(() => 0);
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  const std = Math.sqrt(squares / n);
  if (std === 0) return values.map(() => 0);
  return values.map((v) => (v - mean) / std);
}

/** The rebalance at the cycle's as_of. */
export function rebalance(cycle: HistoryCycle, ctx: RebalanceContext): RebalanceResult {
  const t = cycle.asOf;
  const { config } = ctx;
  // Each factor's raw value per candidate that has it.
  const raw = config.factors.map(() => new Map<string, number>());
  const candidates = new Set<string>();
  config.factors.forEach((factor, f) => {
    if (factor.kind !== 'model_score') return;
    for (const p of cycle.predictions) if (ctx.inUniverse(p.asset)) raw[f]!.set(p.asset, p.score);
  });
  for (const p of cycle.predictions) if (ctx.inUniverse(p.asset)) candidates.add(p.asset);
  config.factors.forEach((factor, f) => {
    if (factor.kind !== 'signal') return;
    const name = `${factor.source}.${factor.signal}`;
    for (const asset of ctx.signalAssets(name)) {
      const value = ctx.signals.valueAt(name, asset, t, factor.maxAgeMs);
      if (value === undefined) continue;
      raw[f]!.set(asset, value);
      candidates.add(asset);
    }
  });
  const combined = new Map<string, number>([...candidates].map((a) => [a, 0]));
  config.factors.forEach((factor, f) => {
    // In name order: the sums (and so the last bits) do not depend on the order rows were read in.
    const assets = [...raw[f]!.keys()].filter((a) => candidates.has(a)).sort(byName);
    const z = zScores(assets.map((a) => raw[f]!.get(a)!));
    assets.forEach((asset, i) => combined.set(asset, combined.get(asset)! + factor.weight * z[i]!));
  });
  const ranked = [...combined].sort((a, b) => b[1] - a[1] || byName(a[0], b[0]));
  const top = ranked.slice(0, config.k);
  const weights: Record<string, number> = {};
  if (config.weighting === 'equal') {
    for (const [asset] of top) weights[asset] = 1 / config.k;
  } else {
    let positive = 0;
    for (const [, s] of top) if (s > 0) positive += s;
    if (positive > 0) for (const [asset, s] of top) if (s > 0) weights[asset] = s / positive;
  }
  const universe = ctx.outcomes.get(t) ?? new Map<string, number>();
  let grossReturn = 0;
  let unlabeled = 0;
  for (const [asset, w] of Object.entries(weights)) {
    const r = universe.get(asset);
    if (r === undefined) unlabeled++;
    else grossReturn += w * r;
  }
  const precisionAtK: Record<string, number | null> = {};
  const recallAtK: Record<string, number | null> = {};
  const ndcgAtK: Record<string, number | null> = {};
  const score = scoreCycle(
    { strategy: config.strategy, env: config.env, status: 'success', predictions: ranked },
    universe,
    ctx.ranking,
  );
  for (const k of config.ks) {
    const perK = score.status === 'scored' ? score.perK.find((s) => s.k === k) : undefined;
    precisionAtK[k] = perK?.precision ?? null;
    recallAtK[k] = perK?.recall ?? null;
    ndcgAtK[k] = perK?.ndcg ?? null;
  }
  const labeled = ranked.filter(([asset]) => universe.has(asset));
  const ic = spearman(
    labeled.map(([, s]) => s),
    labeled.map(([asset]) => universe.get(asset)!),
  );
  return {
    t,
    weights,
    grossReturn,
    candidates: candidates.size,
    unlabeled,
    precisionAtK,
    recallAtK,
    ndcgAtK,
    ic,
  };
}
