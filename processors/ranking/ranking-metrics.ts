/**
 * The ranking metrics, as textbook functions of a ranked list and a set of relevant items. Pure.
 *
 * Terminology:
 * - ranked: the predicted assets in rank order (best first), each at most once;
 * - top-K: the first min(K, |ranked|) of them; with fewer than K predictions the missing places count
 *   as misses (precision still divides by K);
 * - relevant: the assets that count as right answers (see relevance.ts);
 * - hits: |top-K ∩ relevant|.
 */

/** |top-K ∩ relevant|. */
export function hitsAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  for (const asset of ranked.slice(0, k)) if (relevant.has(asset)) hits++;
  return hits;
}

/** |top-K ∩ relevant| / K. */
export function precisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return hitsAtK(ranked, relevant, k) / k;
}

/** |top-K ∩ relevant| / |relevant|; null when nothing is relevant (0/0). */
export function recallAtK(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): number | null {
  return relevant.size === 0 ? null : hitsAtK(ranked, relevant, k) / relevant.size;
}

/** 1 when top-K holds a relevant asset, else 0. */
export function hitAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return hitsAtK(ranked, relevant, k) > 0 ? 1 : 0;
}

/** The discount of 1-based position `rank`: 1 / log2(rank + 1). */
const discount = (rank: number): number => 1 / Math.log2(rank + 1);

/**
 * DCG / IDCG with binary gains: DCG = Σ over top-K positions i (1-based) holding a relevant asset of
 * 1/log2(i + 1); IDCG = the same sum over the first min(|relevant|, K) positions (every one a hit).
 * Null when nothing is relevant (IDCG = 0).
 */
export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number | null {
  if (relevant.size === 0) return null;
  let dcg = 0;
  ranked.slice(0, k).forEach((asset, i) => {
    if (relevant.has(asset)) dcg += discount(i + 1);
  });
  let idcg = 0;
  for (let i = 1; i <= Math.min(relevant.size, k); i++) idcg += discount(i);
  return dcg / idcg;
}

/** The 1-based ranks of `values` (ascending), ties sharing the average of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    // Positions start..end (0-based) share ranks start+1..end+1: their mean is (start + end) / 2 + 1.
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]![1]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Pearson's correlation of two equally long series; null with fewer than 2 pairs or a constant series. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  // Rounding can push |r| a hair past 1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks (ties share their mean rank).
 * Null with fewer than 2 pairs or when either side is constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}
