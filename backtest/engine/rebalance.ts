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
import { replayRanking, type ReplayRanking } from './replay-outcomes.ts';
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
  /** What the monitoring replay feeds the live ranking processors; only when the config has a rules file. */
  readonly replay?: ReplayRanking;
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
  // Each universe in the order of the live top_k relevance (return descending, name ascending): its
  // sort then meets sorted input, which costs one pass.
  return new Map(
    [...known].map(([asOf, byAsset]) => [
      asOf,
      new Map(
        [...byAsset]
          .map(([asset, o]) => [asset, o.forwardReturn] as const)
          .sort((a, b) => b[1] - a[1] || byName(a[0], b[0])),
      ),
    ]),
  );
}

/** What every rebalance of one run shares (and its scratch buffers: one rebalance at a time). */
export class RebalanceContext {
  readonly config: BacktestConfig;
  readonly signals: SignalIndex;
  readonly outcomes: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly ranking: RankingOptions;
  /** Every asset a rebalance may meet, in name order: an asset's id is its place here. */
  readonly names: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
  /** Per signal factor (by factor index), the ids of the assets it may add as candidates. */
  readonly signalIds: readonly (readonly number[])[];
  readonly #universe: ReadonlySet<string> | null;
  // Scratch, by asset id.
  readonly combined: Float64Array;
  readonly value: Float64Array;
  readonly seen: Uint8Array;

  constructor(
    config: BacktestConfig,
    signals: SignalIndex,
    outcomes: ReadonlyMap<number, ReadonlyMap<string, number>>,
    predicted: Iterable<string> = [],
  ) {
    this.config = config;
    this.signals = signals;
    this.outcomes = outcomes;
    this.ranking = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
    this.#universe = config.universe === null ? null : new Set(config.universe);
    const all = new Set<string>(predicted);
    const signalAssets = config.factors.map((f) =>
      f.kind === 'signal' ? [...(config.universe ?? signals.assets(`${f.source}.${f.signal}`))] : [],
    );
    for (const list of signalAssets) for (const a of list) all.add(a);
    this.names = [...all].sort(byName);
    this.ids = new Map(this.names.map((a, i) => [a, i]));
    this.signalIds = signalAssets.map((list) => list.map((a) => this.ids.get(a)!));
    this.combined = new Float64Array(this.names.length);
    this.value = new Float64Array(this.names.length);
    this.seen = new Uint8Array(this.names.length);
  }

  inUniverse(asset: string): boolean {
    return this.#universe === null || this.#universe.has(asset);
  }
}

/**
 * Adds weight × z-score of the factor values in `ctx.value` at `ids` (ascending: name order, so the sums
 * do not depend on the order rows were read in) to `ctx.combined`, for the ids that are candidates.
 */
function addZScores(ctx: RebalanceContext, ids: Int32Array, weight: number): void {
  const { value, combined, seen } = ctx;
  let n = 0;
  let sum = 0;
  for (const id of ids) {
    if (seen[id] !== 1) continue;
    n++;
    sum += value[id]!;
  }
  if (n < 2) return;
  const mean = sum / n;
  let squares = 0;
  for (const id of ids) if (seen[id] === 1) squares += (value[id]! - mean) * (value[id]! - mean);
  const std = Math.sqrt(squares / n);
  if (std === 0) return;
  for (const id of ids) if (seen[id] === 1) combined[id]! += weight * ((value[id]! - mean) / std);
}

/** The rebalance at the cycle's as_of. */
export function rebalance(cycle: HistoryCycle, ctx: RebalanceContext): RebalanceResult {
  const t = cycle.asOf;
  const { config, value, combined, seen, names } = ctx;
  // Candidates: the predicted assets in the universe, and the assets with a signal factor known at t.
  const candidates: number[] = [];
  const predictedIds: number[] = [];
  for (const p of cycle.predictions) {
    if (!ctx.inUniverse(p.asset)) continue;
    const id = ctx.ids.get(p.asset)!;
    predictedIds.push(id);
    if (seen[id] === 0) {
      seen[id] = 1;
      candidates.push(id);
    }
  }
  // Each signal factor's values at t (computed once: they decide candidacy, then the z-scores).
  const signalValues = config.factors.map((factor, f) => {
    if (factor.kind !== 'signal') return null;
    const name = `${factor.source}.${factor.signal}`;
    const ids: number[] = [];
    const values: number[] = [];
    for (const id of ctx.signalIds[f]!) {
      const v = ctx.signals.valueAt(name, names[id]!, t, factor.maxAgeMs);
      if (v === undefined) continue;
      ids.push(id);
      values.push(v);
      if (seen[id] === 0) {
        seen[id] = 1;
        candidates.push(id);
      }
    }
    return { ids, values };
  });
  for (const id of candidates) combined[id] = 0;
  config.factors.forEach((factor, f) => {
    let ids: number[];
    if (factor.kind === 'model_score') {
      ids = predictedIds;
      cycle.predictions.forEach((p) => {
        const id = ctx.ids.get(p.asset);
        if (id !== undefined && ctx.inUniverse(p.asset)) value[id] = p.score;
      });
    } else {
      const sv = signalValues[f]!;
      ids = sv.ids;
      sv.ids.forEach((id, i) => (value[id] = sv.values[i]!));
    }
    addZScores(ctx, Int32Array.from(new Set(ids)).sort(), factor.weight);
  });
  for (const id of candidates) seen[id] = 0;
  // Ids are in name order: ties by name are ties by id.
  candidates.sort((a, b) => combined[b]! - combined[a]! || a - b);
  const ranked = candidates.map((id) => [names[id]!, combined[id]!] as const);
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
  // scoreCycle's rank IC is this one (combined score vs forward return over the labelled candidates);
  // an unlabeled cycle (a benchmark without an outcome) still has it.
  let ic: number | null;
  if (score.status === 'scored') ic = score.rankIc;
  else {
    const labeled = ranked.filter(([asset]) => universe.has(asset));
    ic = spearman(
      labeled.map(([, s]) => s),
      labeled.map(([asset]) => universe.get(asset)!),
    );
  }
  return {
    t,
    weights,
    grossReturn,
    candidates: candidates.length,
    unlabeled,
    precisionAtK,
    recallAtK,
    ndcgAtK,
    ic,
    ...(config.rulesFile === null ? {} : { replay: replayRanking(config, ranked, universe) }),
  };
}
