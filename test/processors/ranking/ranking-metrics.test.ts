import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  compileRankingOptions,
  hitAtK,
  ndcgAtK,
  pearson,
  precisionAtK,
  recallAtK,
  relevantAssets,
  scoreCycle,
  spearman,
  topKByReturn,
} from '../../../processors/ranking/index.ts';

const log2 = Math.log2;

/** Textbook DCG with graded gains (2^rel − 1) / log2(i + 1), i from 1. */
function textbookDcg(gains: readonly number[]): number {
  return gains.reduce((sum, rel, i) => sum + (2 ** rel - 1) / log2(i + 2), 0);
}

/** Textbook nDCG@K: DCG of the top K over DCG of the ideal ordering of all gains (top K of it). */
function textbookNdcg(
  ranked: readonly string[],
  gainOf: (a: string) => number,
  all: readonly string[],
  k: number,
) {
  const dcg = textbookDcg(ranked.slice(0, k).map(gainOf));
  const ideal = textbookDcg(
    all
      .map(gainOf)
      .sort((a, b) => b - a)
      .slice(0, k),
  );
  return dcg / ideal;
}

/** Textbook Spearman without ties: 1 − 6 Σ d² / (n (n² − 1)). */
function spearmanNoTies(x: readonly number[], y: readonly number[]): number {
  const rank = (v: readonly number[]) => v.map((a) => v.filter((b) => b < a).length + 1);
  const [rx, ry] = [rank(x), rank(y)];
  const n = x.length;
  const d2 = rx.reduce((s, r, i) => s + (r - ry[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('ranking metrics', () => {
  const ranked = ['a', 'b', 'c', 'd', 'e'];
  const relevant = new Set(['a', 'c', 'f']);

  it('precision, recall and hit at K', () => {
    // K=1: top {a}, hits 1 → P 1/1, R 1/3, hit 1.
    expect(precisionAtK(ranked, relevant, 1)).toBe(1);
    expect(recallAtK(ranked, relevant, 1)).toBeCloseTo(1 / 3, 15);
    expect(hitAtK(ranked, relevant, 1)).toBe(1);
    // K=2: top {a, b}, hits 1 → P 1/2, R 1/3.
    expect(precisionAtK(ranked, relevant, 2)).toBe(0.5);
    expect(recallAtK(ranked, relevant, 2)).toBeCloseTo(1 / 3, 15);
    // K=5: top {a..e}, hits 2 (a, c) → P 2/5 = 0.4, R 2/3.
    expect(precisionAtK(ranked, relevant, 5)).toBe(0.4);
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 15);
    // Nothing relevant in the top 1 of [b, ...]: hit 0.
    expect(hitAtK(['b', 'a'], relevant, 1)).toBe(0);
    expect(precisionAtK(['b', 'a'], relevant, 1)).toBe(0);
  });

  it('fewer than K predictions: the missing places are misses', () => {
    // 2 predictions, K = 5, relevant {a, x, y, z, w}: hits 1 → P 1/5 = 0.2 (not 1/2), R 1/5.
    const five = new Set(['a', 'x', 'y', 'z', 'w']);
    expect(precisionAtK(['a', 'b'], five, 5)).toBe(0.2);
    expect(recallAtK(['a', 'b'], five, 5)).toBe(0.2);
    expect(hitAtK(['a', 'b'], five, 5)).toBe(1);
    // DCG = 1/log2(2) = 1; IDCG over min(5, 5) = 5 positions = 1 + 1/log2 3 + 1/2 + 1/log2 5 + 1/log2 6
    //     = 1 + 0.63093 + 0.5 + 0.43068 + 0.38685 = 2.94846 → nDCG = 0.33916.
    expect(ndcgAtK(['a', 'b'], five, 5)).toBeCloseTo(
      1 / (1 + 1 / log2(3) + 0.5 + 1 / log2(5) + 1 / log2(6)),
      12,
    );
    expect(ndcgAtK(['a', 'b'], five, 5)).toBeCloseTo(0.33916, 5);
    // No prediction at all: every metric 0 (nothing found), recall still over |relevant|.
    expect(precisionAtK([], five, 5)).toBe(0);
    expect(recallAtK([], five, 5)).toBe(0);
    expect(ndcgAtK([], five, 5)).toBe(0);
  });

  it('nDCG with binary gains, IDCG over min(|relevant|, K) positions', () => {
    // K=5: hits at positions 1 (a) and 3 (c): DCG = 1/log2 2 + 1/log2 4 = 1 + 0.5 = 1.5.
    // IDCG over min(3, 5) = 3 positions: 1 + 1/log2 3 + 1/2 = 2.13093 → nDCG = 1.5 / 2.13093 = 0.70392.
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(1.5 / (1.5 + 1 / log2(3)), 12);
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(0.70392, 5);
    // K=2: DCG = 1 (a at 1); IDCG over min(3, 2) = 2 positions: 1 + 0.63093 → 0.61315.
    expect(ndcgAtK(ranked, relevant, 2)).toBeCloseTo(1 / (1 + 1 / log2(3)), 12);
    // A perfect ranking scores 1; nothing relevant: undefined (null), as 0/0.
    expect(ndcgAtK(['a', 'c', 'f'], relevant, 3)).toBe(1);
    expect(ndcgAtK(ranked, new Set(), 3)).toBeNull();
    expect(recallAtK(ranked, new Set(), 3)).toBeNull();
  });

  it('nDCG agrees with the textbook graded-gain definition on binary gains', () => {
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const rel = new Set(['b', 'e', 'g']);
    const gain = (a: string) => (rel.has(a) ? 1 : 0);
    const order = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (const k of [1, 2, 3, 5, 7]) {
      // The textbook IDCG sorts every gain: its top K holds min(|rel|, K) ones, as ours does.
      expect(ndcgAtK(order, rel, k)).toBeCloseTo(textbookNdcg(order, gain, all, k), 12);
    }
  });

  it('average ranks share ties', () => {
    // 1 → 1, 2 → 2, the two 3s share ranks 3 and 4: 3.5.
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
    expect(averageRanks([])).toEqual([]);
  });

  it('Spearman: the textbook formula without ties, Pearson of average ranks with them', () => {
    // Ranks of y: [1, 3, 2, 5, 4]; d = 0, −1, 1, −1, 1; Σd² = 4 → 1 − 6·4/(5·24) = 0.8.
    expect(spearman([10, 20, 30, 40, 50], [1, 3, 2, 5, 4])).toBeCloseTo(0.8, 12);
    expect(spearman([10, 20, 30, 40, 50], [1, 3, 2, 5, 4])).toBeCloseTo(
      spearmanNoTies([10, 20, 30, 40, 50], [1, 3, 2, 5, 4]),
      12,
    );
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    // With ties: y = [5, 6, 7, 8, 7] → ranks [1, 2, 3.5, 5, 3.5]; x ranks 1..5; both means 3.
    // dx = [−2, −1, 0, 1, 2], dy = [−2, −1, 0.5, 2, 0.5]: Σdxdy = 4 + 1 + 0 + 2 + 1 = 8,
    // Σdx² = 10, Σdy² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5 → 8 / √95 = 0.82078.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
    // Undefined: fewer than two pairs, or a constant side.
    expect(spearman([1], [2])).toBeNull();
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNull();
    expect(pearson([1, 2], [3, 5])).toBeCloseTo(1, 12);
  });
});

describe('relevance', () => {
  const universe = new Map([
    ['b', 0.05],
    ['a', 0.05],
    ['c', 0.01],
    ['d', 0.1],
    ['BTC', 0.02],
    ['e', -0.03],
    ['z', 0],
  ]);

  it('top_k: the K highest forward returns, ties by asset name ascending', () => {
    // d 0.10, then a and b tie at 0.05: a first by name.
    expect(topKByReturn(universe, 2)).toEqual(['d', 'a']);
    expect(topKByReturn(universe, 3)).toEqual(['d', 'a', 'b']);
    expect(relevantAssets(universe, { mode: 'top_k' }, 2)).toEqual({ relevant: new Set(['d', 'a']) });
    // K larger than the universe: every asset.
    expect(topKByReturn(universe, 50)).toHaveLength(7);
  });

  it('positive: a forward return > 0 (0 is not positive)', () => {
    expect(relevantAssets(universe, { mode: 'positive' }, 5)).toEqual({
      relevant: new Set(['b', 'a', 'c', 'd', 'BTC']),
    });
  });

  it('above_benchmark: above the benchmark’s forward return; unlabeled without it', () => {
    // BTC 0.02: a, b (0.05) and d (0.10) beat it; c (0.01) does not, nor BTC itself.
    expect(relevantAssets(universe, { mode: 'above_benchmark', benchmark: 'BTC' }, 5)).toEqual({
      relevant: new Set(['b', 'a', 'd']),
    });
    expect(relevantAssets(universe, { mode: 'above_benchmark', benchmark: 'ETH' }, 5)).toEqual({
      unlabeled: 'the benchmark ETH has no outcome',
    });
  });
});

describe('scoreCycle', () => {
  const options = compileRankingOptions({ ks: [1, 2] });
  const universe = new Map([
    ['A', 0.05],
    ['B', 0.02],
    ['C', 0.03],
    ['D', 0.04],
  ]);
  const cycle = {
    strategy: 's',
    env: 'prod',
    status: 'success' as const,
    // Rank order; X has no outcome.
    predictions: [
      ['A', 0.9],
      ['X', 0.8],
      ['B', 0.7],
      ['C', 0.1],
    ] as const,
  };

  it('scores every K and rank_ic over the predictions with an outcome', () => {
    const score = scoreCycle(cycle, universe, options);
    expect(score.status).toBe('scored');
    if (score.status !== 'scored') return;
    expect(score).toMatchObject({ universe: 4, predictions: 4, labeled: 3 });
    // K=1: relevant {A} (0.05 is the best return); top-1 [A] → all 1.
    expect(score.perK[0]).toEqual({ k: 1, hits: 1, precision: 1, recall: 1, hit: 1, ndcg: 1, relevant: 1 });
    // K=2: relevant {A, D}; top-2 [A, X]: X has no outcome, so it is a miss → P 1/2, R 1/2,
    // DCG 1, IDCG 1 + 1/log2 3 → nDCG 0.61315.
    expect(score.perK[1]).toMatchObject({ k: 2, hits: 1, precision: 0.5, recall: 0.5, hit: 1, relevant: 2 });
    expect(score.perK[1]!.ndcg).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
    // rank_ic over A, B, C: score ranks 3, 2, 1; return ranks 3, 1, 2; Σd² = 0 + 1 + 1 = 2
    // → 1 − 6·2/(3·8) = 0.5. X is left out.
    expect(score.rankIc).toBeCloseTo(0.5, 12);
  });

  it('a failed cycle is failed, an empty universe is unlabeled, no prediction scores 0', () => {
    expect(scoreCycle({ ...cycle, status: 'failure', predictions: [] }, universe, options)).toEqual({
      status: 'failed',
      universe: 4,
      predictions: 0,
    });
    expect(scoreCycle(cycle, new Map(), options)).toEqual({
      status: 'unlabeled',
      universe: 0,
      predictions: 4,
      reason: 'no outcome arrived for its as_of',
    });
    const none = scoreCycle({ ...cycle, predictions: [] }, universe, options);
    expect(none).toMatchObject({ status: 'scored', labeled: 0, rankIc: null });
    if (none.status === 'scored') expect(none.perK.map((s) => s.precision)).toEqual([0, 0]);
  });

  it('positive relevance with no positive return: precision 0, recall and nDCG undefined', () => {
    const down = new Map([
      ['A', -0.01],
      ['B', -0.02],
    ]);
    const score = scoreCycle(
      cycle,
      down,
      compileRankingOptions({ ks: [2], relevance: { mode: 'positive' } }),
    );
    expect(score).toMatchObject({
      status: 'scored',
      perK: [{ k: 2, precision: 0, recall: null, hit: 0, ndcg: null, relevant: 0 }],
    });
  });

  it('above_benchmark without the benchmark’s outcome is unlabeled', () => {
    const score = scoreCycle(
      cycle,
      universe,
      compileRankingOptions({ relevance: { mode: 'above_benchmark', benchmark: 'SPY' } }),
    );
    expect(score).toEqual({
      status: 'unlabeled',
      universe: 4,
      predictions: 4,
      reason: 'the benchmark SPY has no outcome',
    });
  });
});
