/**
 * The ranking metrics of one rebalance (precision, recall and nDCG at every K, and the rank IC), equal
 * to processors/ranking's live `scoreCycle` and `spearman` on the same ranking and universe, bit for bit
 * (test/backtest/engine-ranking.test.ts checks it on random rankings with ties), but computed from one
 * sort of the universe per rebalance, over typed arrays indexed by asset id, without allocating per
 * candidate. Only for finite scores and returns: {@link RankingScorer.score} returns null otherwise, and
 * the caller then scores with the live functions.
 */
import type { RankingOptions } from '../../processors/ranking/options.ts';
import { pearson } from '../../processors/ranking/ranking-metrics.ts';
import { sortByKeyDescending } from './sort.ts';

/** The figures of one K; null where the live definitions give null (or the cycle is unlabeled). */
export interface KFigures {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly ndcg: number | null;
}

export interface RankingFigures {
  /** By K, in `options.ks` order. */
  readonly perK: readonly KFigures[];
  readonly ic: number | null;
}

/** A universe: the forward return of every asset (by id) with an outcome, in any order. */
export interface IdUniverse {
  readonly ids: Int32Array;
  readonly returns: Float64Array;
}

const UNLABELED: KFigures = Object.freeze({ precision: null, recall: null, ndcg: null });

/** Scratch for scoring rankings over assets with ids 0..size−1 (ids in name order). */
export class RankingScorer {
  readonly #options: RankingOptions;
  readonly #ret: Float64Array;
  /** The generation in which an id has an outcome (is in the universe). */
  readonly #labeled: Int32Array;
  /** The generation in which an id is a candidate. */
  readonly #candidate: Int32Array;
  /** An id's place in the universe by return descending, name ascending. */
  readonly #place: Int32Array;
  readonly #yRank: Float64Array;
  readonly #byReturn: Int32Array;
  #generation = 0;
  /** The generation of candidates (one per {@link score}). */
  #scoring = 0;
  #universe: IdUniverse = { ids: new Int32Array(0), returns: new Float64Array(0) };
  #finite = true;
  readonly #order: Int32Array;
  /** 1 / log2(i + 1) for i = 1..: the live nDCG's discounts, in the live expression. */
  readonly #discount: number[] = [];

  constructor(size: number, options: RankingOptions) {
    this.#options = options;
    this.#ret = new Float64Array(size);
    this.#labeled = new Int32Array(size);
    this.#candidate = new Int32Array(size);
    this.#place = new Int32Array(size);
    this.#yRank = new Float64Array(size);
    this.#byReturn = new Int32Array(size);
    this.#order = new Int32Array(size);
  }

  #discountAt(rank: number): number {
    while (this.#discount.length <= rank) {
      const r = this.#discount.length;
      this.#discount.push(r === 0 ? 0 : 1 / Math.log2(r + 1));
    }
    return this.#discount[rank]!;
  }

  /** Makes `universe` the one {@link returnOf} and {@link score} see. */
  load(universe: IdUniverse): void {
    const gen = ++this.#generation;
    this.#universe = universe;
    this.#finite = true;
    const ret = this.#ret;
    const labeled = this.#labeled;
    for (let i = 0; i < universe.ids.length; i++) {
      const r = universe.returns[i]!;
      if (!Number.isFinite(r)) this.#finite = false;
      ret[universe.ids[i]!] = r;
      labeled[universe.ids[i]!] = gen;
    }
  }

  /** The forward return of `id` in the loaded universe, or undefined. */
  returnOf(id: number): number | undefined {
    return this.#labeled[id] === this.#generation ? this.#ret[id] : undefined;
  }

  /**
   * The figures of the ranking `ranked[0..n)` (ids, best first: by `score` descending, id ascending)
   * against the loaded universe; `benchmark` is the id of the above_benchmark mode's asset (undefined
   * when it has none). Null when a score or return is not finite.
   */
  score(
    ranked: ArrayLike<number>,
    n: number,
    score: Float64Array,
    benchmark: number | undefined,
  ): RankingFigures | null {
    if (!this.#finite) return null;
    const gen = this.#generation;
    const scoring = ++this.#scoring;
    const universe = this.#universe;
    const ret = this.#ret;
    const candidate = this.#candidate;
    const place = this.#place;
    const size = universe.ids.length;
    for (let i = 0; i < n; i++) {
      const id = ranked[i]!;
      if (!Number.isFinite(score[id]!)) return null;
      candidate[id] = scoring;
    }
    // The universe by return descending, name (id) ascending: the live top_k order.
    const order = this.#order.subarray(0, size);
    order.set(universe.ids);
    sortByKeyDescending(order, size, ret);
    for (let i = 0; i < size; i++) place[order[i]!] = i;
    const perK = this.#perK(ranked, n, order, benchmark, gen);
    return { perK, ic: this.#ic(ranked, n, score, order, gen, scoring) };
  }

  #perK(
    ranked: ArrayLike<number>,
    n: number,
    order: Int32Array,
    benchmark: number | undefined,
    gen: number,
  ): KFigures[] {
    const { ks, relevance } = this.#options;
    const size = order.length;
    if (size === 0) return ks.map(() => UNLABELED);
    const ret = this.#ret;
    const labeled = this.#labeled;
    const place = this.#place;
    let threshold = 0;
    let relevantCount = 0;
    if (relevance.mode !== 'top_k') {
      if (relevance.mode === 'above_benchmark') {
        if (benchmark === undefined || labeled[benchmark] !== gen) return ks.map(() => UNLABELED);
        threshold = ret[benchmark]!;
      }
      for (let i = 0; i < size; i++) if (ret[order[i]!]! > threshold) relevantCount++;
    }
    return ks.map((k) => {
      const relevantK = relevance.mode === 'top_k' ? Math.min(k, size) : relevantCount;
      let hits = 0;
      let dcg = 0;
      const top = Math.min(k, n);
      for (let i = 0; i < top; i++) {
        const id = ranked[i]!;
        if (labeled[id] !== gen) continue;
        const relevant = relevance.mode === 'top_k' ? place[id]! < k : ret[id]! > threshold;
        if (!relevant) continue;
        hits++;
        dcg += this.#discountAt(i + 1);
      }
      if (relevantK === 0) return { precision: hits / k, recall: null, ndcg: null };
      let idcg = 0;
      for (let i = 1; i <= Math.min(relevantK, k); i++) idcg += this.#discountAt(i);
      return { precision: hits / k, recall: hits / relevantK, ndcg: dcg / idcg };
    });
  }

  /** Spearman (average ranks) of score and return over the labeled candidates, in ranked order. */
  #ic(
    ranked: ArrayLike<number>,
    n: number,
    score: Float64Array,
    order: Int32Array,
    gen: number,
    scoring: number,
  ): number | null {
    const labeled = this.#labeled;
    const candidate = this.#candidate;
    const ret = this.#ret;
    const yRank = this.#yRank;
    // The returns' ranks: the labeled candidates in universe order are by return descending.
    const byReturn = this.#byReturn;
    let m = 0;
    for (const id of order) if (candidate[id] === scoring) byReturn[m++] = id;
    if (m < 2) return null;
    for (let s = 0; s < m;) {
      let e = s;
      while (e + 1 < m && ret[byReturn[e + 1]!] === ret[byReturn[s]!]) e++;
      // Descending places s..e are ascending places m−1−e..m−1−s.
      const rank = (m - 1 - e + (m - 1 - s)) / 2 + 1;
      for (let i = s; i <= e; i++) yRank[byReturn[i]!] = rank;
      s = e + 1;
    }
    const x = new Array<number>(m);
    const y = new Array<number>(m);
    // The scores' ranks: the labeled candidates in ranked order are by score descending.
    let p = 0;
    let groupStart = 0;
    let groupScore = NaN;
    for (let i = 0; i < n; i++) {
      const id = ranked[i]!;
      if (labeled[id] !== gen) continue;
      if (p === 0 || score[id] !== groupScore) {
        this.#fillRanks(x, groupStart, p, m);
        groupStart = p;
        groupScore = score[id]!;
      }
      y[p++] = yRank[id]!;
    }
    this.#fillRanks(x, groupStart, p, m);
    return pearson(x, y);
  }

  /** Sets x[s..end) (descending places, one tie group) to their average ascending rank. */
  #fillRanks(x: number[], s: number, end: number, m: number): void {
    if (end <= s) return;
    const e = end - 1;
    const rank = (m - 1 - e + (m - 1 - s)) / 2 + 1;
    for (let i = s; i <= e; i++) x[i] = rank;
  }
}
