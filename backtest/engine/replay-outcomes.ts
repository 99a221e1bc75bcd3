/**
 * What a rebalance hands the monitoring replay (backtest/replay.ts): the combined ranking's top and the
 * outcomes the live ranking processors need to score it exactly as the engine does. Not the whole
 * universe: the ranked assets' outcomes, plus those that decide relevance: the universe's top max(K) by
 * forward return (`top_k`: the top K of that subset is the universe's, and |relevant| is min(K, |universe|)
 * still), every asset above 0 (`positive`), or the benchmark and every asset above it
 * (`above_benchmark`). Precision, recall, hit and nDCG are then the engine's, for a few dozen records per
 * rebalance instead of the universe.
 */
import { byName } from '../../processors/ranking/relevance.ts';
import type { BacktestConfig } from '../config.ts';

/** The combined ranking's top (max(k, K's)) as [asset, combined score], and the outcomes (see above). */
export interface ReplayRanking {
  readonly ranking: readonly (readonly [string, number])[];
  readonly outcomes: readonly (readonly [string, number])[];
}

/** The replay's share of a rebalance (`ranked`: every candidate, best first). */
export function replayRanking(
  config: Pick<BacktestConfig, 'k' | 'ks' | 'relevance'>,
  ranked: readonly (readonly [string, number])[],
  universe: ReadonlyMap<string, number>,
): ReplayRanking {
  const maxK = Math.max(...config.ks);
  const ranking = ranked.slice(0, Math.max(config.k, maxK));
  const keep = new Set(ranking.map(([asset]) => asset));
  const relevance = config.relevance;
  if (relevance.mode === 'top_k') {
    // The top maxK by return, ties by name (the live order), by insertion: K is small.
    const top: [string, number][] = [];
    const before = (a: readonly [string, number], b: readonly [string, number]): boolean =>
      a[1] > b[1] || (a[1] === b[1] && byName(a[0], b[0]) < 0);
    for (const entry of universe) {
      if (top.length === maxK && !before(entry, top[maxK - 1]!)) continue;
      let i = Math.min(top.length, maxK - 1);
      top[i] = entry;
      while (i > 0 && before(top[i]!, top[i - 1]!)) {
        [top[i], top[i - 1]] = [top[i - 1]!, top[i]!];
        i--;
      }
    }
    for (const [asset] of top) keep.add(asset);
  } else {
    const floor = relevance.mode === 'positive' ? 0 : universe.get(relevance.benchmark);
    if (relevance.mode === 'above_benchmark') keep.add(relevance.benchmark);
    if (floor !== undefined) for (const [asset, r] of universe) if (r > floor) keep.add(asset);
  }
  const outcomes: (readonly [string, number])[] = [];
  for (const entry of universe) if (keep.has(entry[0])) outcomes.push(entry);
  return { ranking, outcomes };
}
