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
import { RankingScorer, type IdUniverse, type RankingFigures } from './ranking.ts';
import { rowsUpTo, valueBefore, type Series, type SignalIndex } from './signals.ts';
import { sortByKeyDescending } from './sort.ts';

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

/** The outcomes of the config's horizon grouped by as_of, in the order met. */
function outcomesByAsOf(
  outcomes: readonly HistoryOutcome[],
  horizonMs: number,
): Map<number, HistoryOutcome[]> {
  const byAsOf = new Map<number, HistoryOutcome[]>();
  for (const o of outcomes) {
    if (o.horizonMs !== horizonMs) continue;
    const list = byAsOf.get(o.asOf);
    if (list === undefined) byAsOf.set(o.asOf, [o]);
    else list.push(o);
  }
  return byAsOf;
}

/** Scratch for {@link universeOf}: by asset id, and by row (as long as the largest as_of's rows). */
interface UniverseScratch {
  readonly slot: Int32Array;
  readonly stamp: Int32Array;
  generation: number;
  readonly ids: Int32Array;
  readonly returns: Float64Array;
  readonly ingestedAt: Float64Array;
}

/**
 * The universe of one as_of: the forward return of each asset with an outcome, assets in the order
 * first met; of several revisions, the one known last (the later row of equal ingestion times). Views
 * of `scratch`, valid until the next call.
 */
function universeOf(
  rows: readonly HistoryOutcome[],
  ids: ReadonlyMap<string, number>,
  scratch: UniverseScratch,
): IdUniverse {
  const gen = ++scratch.generation;
  const { slot, stamp, ingestedAt } = scratch;
  const assetIds = scratch.ids;
  const returns = scratch.returns;
  let n = 0;
  for (const o of rows) {
    const id = ids.get(o.asset)!;
    if (stamp[id] !== gen) {
      stamp[id] = gen;
      slot[id] = n;
      assetIds[n] = id;
      returns[n] = o.forwardReturn;
      ingestedAt[n++] = o.ingestedAt;
    } else if (o.ingestedAt >= ingestedAt[slot[id]!]!) {
      returns[slot[id]!] = o.forwardReturn;
      ingestedAt[slot[id]!] = o.ingestedAt;
    }
  }
  return { ids: assetIds.subarray(0, n), returns: returns.subarray(0, n) };
}

const NO_OUTCOME: IdUniverse = { ids: new Int32Array(0), returns: new Float64Array(0) };

/** What every rebalance of one run shares (and its scratch buffers: one rebalance at a time). */
export class RebalanceContext {
  readonly config: BacktestConfig;
  readonly signals: SignalIndex;
  /** By as_of, the outcome rows of the config's horizon. */
  readonly outcomes: ReadonlyMap<number, readonly HistoryOutcome[]>;
  readonly #universeScratch: UniverseScratch;
  readonly ranking: RankingOptions;
  /** Every asset a rebalance may meet, in name order: an asset's id is its place here. */
  readonly names: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
  /** Per signal factor (by factor index), the ids of the assets it may add as candidates. */
  readonly signalIds: readonly (readonly number[])[];
  /** Per signal factor, the series of each of its `signalIds` (same places). */
  readonly signalSeries: readonly (readonly (Series | undefined)[])[];
  /** The above_benchmark mode's benchmark asset's id. */
  readonly benchmark: number | undefined;
  readonly scorer: RankingScorer;
  readonly #universe: ReadonlySet<string> | null;
  // Scratch, by asset id.
  readonly combined: Float64Array;
  readonly value: Float64Array;
  readonly seen: Uint8Array;
  /** The candidates, as met, then ranked; and the same by id. */
  readonly candidates: Int32Array;
  readonly sorted: Int32Array;
  /** Per signal factor, per place in `signalIds`: how many rows had eventTime ≤ {@link lastT}. */
  readonly signalCursor: readonly Int32Array[];
  lastT = -Infinity;
  /** The id of each prediction of the cycle (−1: not in the universe). */
  predicted = new Int32Array(0);
  /** Per factor, the generation (rebalance) in which an id has a value. */
  readonly valued: readonly Int32Array[];
  generation = 0;

  constructor(
    config: BacktestConfig,
    signals: SignalIndex,
    outcomes: readonly HistoryOutcome[],
    predicted: Iterable<string> = [],
  ) {
    this.config = config;
    this.signals = signals;
    this.ranking = compileRankingOptions({ ks: config.ks, relevance: config.relevance });
    this.#universe = config.universe === null ? null : new Set(config.universe);
    const known = outcomesByAsOf(outcomes, config.horizonMs);
    const all = new Set<string>(predicted);
    const signalAssets = config.factors.map((f) =>
      f.kind === 'signal' ? [...(config.universe ?? signals.assets(`${f.source}.${f.signal}`))] : [],
    );
    for (const list of signalAssets) for (const a of list) all.add(a);
    for (const rows of known.values()) for (const o of rows) all.add(o.asset);
    this.names = [...all].sort(byName);
    this.ids = new Map(this.names.map((a, i) => [a, i]));
    this.signalIds = signalAssets.map((list) => list.map((a) => this.ids.get(a)!));
    this.signalCursor = signalAssets.map((list) => new Int32Array(list.length));
    this.signalSeries = config.factors.map((f, i) =>
      f.kind === 'signal' ? signalAssets[i]!.map((a) => signals.series(`${f.source}.${f.signal}`, a)) : [],
    );
    let rows = 0;
    for (const list of known.values()) rows = Math.max(rows, list.length);
    this.outcomes = known;
    this.#universeScratch = {
      slot: new Int32Array(this.names.length),
      stamp: new Int32Array(this.names.length),
      generation: 0,
      ids: new Int32Array(rows),
      returns: new Float64Array(rows),
      ingestedAt: new Float64Array(rows),
    };
    const { relevance } = this.ranking;
    this.benchmark = relevance.mode === 'above_benchmark' ? this.ids.get(relevance.benchmark) : undefined;
    this.scorer = new RankingScorer(this.names.length, this.ranking);
    this.combined = new Float64Array(this.names.length);
    this.value = new Float64Array(this.names.length);
    this.seen = new Uint8Array(this.names.length);
    this.candidates = new Int32Array(this.names.length);
    this.sorted = new Int32Array(this.names.length);
    this.valued = config.factors.map(() => new Int32Array(this.names.length));
  }

  /** The universe at t (every asset with an outcome of as_of t), valid until the next call. */
  universeAt(t: number): IdUniverse {
    const rows = this.outcomes.get(t);
    return rows === undefined ? NO_OUTCOME : universeOf(rows, this.ids, this.#universeScratch);
  }

  inUniverse(asset: string): boolean {
    return this.#universe === null || this.#universe.has(asset);
  }
}

/**
 * Adds weight × z-score of the factor values in `ctx.value` at the ids of `sorted` (ascending: name
 * order, so the sums do not depend on the order rows were read in) that have a value of factor `f` in
 * this rebalance, to `ctx.combined`.
 */
function addZScores(ctx: RebalanceContext, sorted: Int32Array, f: number, weight: number): void {
  const { value, combined } = ctx;
  const valued = ctx.valued[f]!;
  const gen = ctx.generation;
  let n = 0;
  let sum = 0;
  for (const id of sorted) {
    if (valued[id] !== gen) continue;
    n++;
    sum += value[id]!;
  }
  if (n < 2) return;
  const mean = sum / n;
  let squares = 0;
  for (const id of sorted) if (valued[id] === gen) squares += (value[id]! - mean) * (value[id]! - mean);
  const std = Math.sqrt(squares / n);
  if (std === 0) return;
  for (const id of sorted) if (valued[id] === gen) combined[id]! += weight * ((value[id]! - mean) / std);
}

/** The rebalance at the cycle's as_of. */
export function rebalance(cycle: HistoryCycle, ctx: RebalanceContext): RebalanceResult {
  const t = cycle.asOf;
  const { config, value, combined, seen, names } = ctx;
  const gen = ++ctx.generation;
  // Candidates: the predicted assets in the universe, and the assets with a signal factor known at t.
  const all = ctx.candidates;
  const predictions = cycle.predictions;
  if (ctx.predicted.length < predictions.length) ctx.predicted = new Int32Array(predictions.length);
  const predicted = ctx.predicted;
  let n = 0;
  for (let i = 0; i < predictions.length; i++) {
    const asset = predictions[i]!.asset;
    if (!ctx.inUniverse(asset)) {
      predicted[i] = -1;
      continue;
    }
    const id = ctx.ids.get(asset)!;
    predicted[i] = id;
    if (seen[id] === 0) {
      seen[id] = 1;
      all[n++] = id;
    }
  }
  // Each signal factor's values at t (computed once: they decide candidacy, then the z-scores). The
  // signal values go to `value` factor by factor below, so they wait in `signalValues` meanwhile.
  const signalValues = config.factors.map((factor, f) => {
    if (factor.kind !== 'signal') return null;
    const ids = ctx.signalIds[f]!;
    const series = ctx.signalSeries[f]!;
    const valued = ctx.valued[f]!;
    const cursor = ctx.signalCursor[f]!;
    const values = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const s = series[i];
      if (s === undefined) continue;
      // Rebalances come in time order: search on from the previous one's place.
      cursor[i] = rowsUpTo(s, t, t >= ctx.lastT ? cursor[i]! : 0);
      const v = valueBefore(s, cursor[i]!, t, factor.maxAgeMs);
      if (v === undefined) continue;
      const id = ids[i]!;
      valued[id] = gen;
      values[i] = v;
      if (seen[id] === 0) {
        seen[id] = 1;
        all[n++] = id;
      }
    }
    return values;
  });
  const candidates = all.subarray(0, n);
  ctx.lastT = t;
  for (const id of candidates) combined[id] = 0;
  const sorted = ctx.sorted.subarray(0, n);
  if (n * 8 >= names.length) {
    // Most assets are candidates: a scan of the ids is cheaper than a sort.
    for (let id = 0, j = 0; id < names.length; id++) if (seen[id] === 1) sorted[j++] = id;
  } else {
    sorted.set(candidates);
    sorted.sort();
  }
  config.factors.forEach((factor, f) => {
    const valued = ctx.valued[f]!;
    if (factor.kind === 'model_score') {
      for (let i = 0; i < predictions.length; i++) {
        const id = predicted[i]!;
        if (id < 0) continue;
        value[id] = predictions[i]!.score;
        valued[id] = gen;
      }
    } else {
      const ids = ctx.signalIds[f]!;
      const values = signalValues[f]!;
      for (let i = 0; i < ids.length; i++) if (valued[ids[i]!] === gen) value[ids[i]!] = values[i]!;
    }
    addZScores(ctx, sorted, f, factor.weight);
  });
  for (const id of candidates) seen[id] = 0;
  // Ids are in name order: ties by name are ties by id.
  let nan = false;
  for (const id of candidates) if (Number.isNaN(combined[id]!)) nan = true;
  if (nan) {
    // Not a total order: the order of Array.prototype.sort from the candidates' order, as always.
    candidates.set(Array.from(candidates).sort((a, b) => combined[b]! - combined[a]! || a - b));
  } else sortByKeyDescending(candidates, n, combined);
  const weights: Record<string, number> = {};
  const top = Math.min(config.k, candidates.length);
  if (config.weighting === 'equal') {
    for (let i = 0; i < top; i++) weights[names[candidates[i]!]!] = 1 / config.k;
  } else {
    let positive = 0;
    for (let i = 0; i < top; i++) if (combined[candidates[i]!]! > 0) positive += combined[candidates[i]!]!;
    if (positive > 0) {
      for (let i = 0; i < top; i++) {
        const s = combined[candidates[i]!]!;
        if (s > 0) weights[names[candidates[i]!]!] = s / positive;
      }
    }
  }
  const universe = ctx.universeAt(t);
  const { scorer } = ctx;
  scorer.load(universe);
  let grossReturn = 0;
  let unlabeled = 0;
  for (const [asset, w] of Object.entries(weights)) {
    const r = scorer.returnOf(ctx.ids.get(asset)!);
    if (r === undefined) unlabeled++;
    else grossReturn += w * r;
  }
  const figures =
    scorer.score(candidates, candidates.length, combined, ctx.benchmark) ??
    liveFigures(ctx, Array.from(candidates), universe);
  const precisionAtK: Record<string, number | null> = {};
  const recallAtK: Record<string, number | null> = {};
  const ndcgAtK: Record<string, number | null> = {};
  for (const k of config.ks) {
    const perK = figures.perK[ctx.ranking.ks.indexOf(k)]!;
    precisionAtK[k] = perK.precision;
    recallAtK[k] = perK.recall;
    ndcgAtK[k] = perK.ndcg;
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
    ic: figures.ic,
    ...(config.rulesFile === null ? {} : { replay: replayOf(ctx, candidates, universe) }),
  };
}

/** The monitoring replay's share of the rebalance: every candidate best first, the universe's returns. */
function replayOf(ctx: RebalanceContext, candidates: Int32Array, universe: IdUniverse): ReplayRanking {
  const { config, names, combined } = ctx;
  const ranked = Array.from(candidates, (id) => [names[id]!, combined[id]!] as const);
  const returns = new Map(Array.from(universe.ids, (id, i) => [names[id]!, universe.returns[i]!] as const));
  return replayRanking(config, ranked, returns);
}

/**
 * The figures with processors/ranking's live functions, on the ranking `candidates` (by combined score)
 * and `universe`: what {@link RankingScorer} computes faster for finite scores and returns.
 */
function liveFigures(
  ctx: RebalanceContext,
  candidates: readonly number[],
  universe: IdUniverse,
): RankingFigures {
  const { config, names, combined } = ctx;
  const ranked = candidates.map((id) => [names[id]!, combined[id]!] as const);
  // The universe in the order of the live top_k relevance (return descending, name ascending).
  const returns = new Map(
    Array.from(universe.ids, (id, i) => [names[id]!, universe.returns[i]!] as const).sort(
      (a, b) => b[1] - a[1] || byName(a[0], b[0]),
    ),
  );
  const score = scoreCycle(
    { strategy: config.strategy, env: config.env, status: 'success', predictions: ranked },
    returns,
    ctx.ranking,
  );
  const perK = ctx.ranking.ks.map((k) => {
    const s = score.status === 'scored' ? score.perK.find((p) => p.k === k) : undefined;
    return { precision: s?.precision ?? null, recall: s?.recall ?? null, ndcg: s?.ndcg ?? null };
  });
  // scoreCycle's rank IC is this one (combined score vs forward return over the labelled candidates);
  // an unlabeled cycle (a benchmark without an outcome) still has it.
  if (score.status === 'scored') return { perK, ic: score.rankIc };
  const labeled = ranked.filter(([asset]) => returns.has(asset));
  return {
    perK,
    ic: spearman(
      labeled.map(([, s]) => s),
      labeled.map(([asset]) => returns.get(asset)!),
    ),
  };
}
