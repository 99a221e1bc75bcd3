import type { Relevance } from './options.ts';

/** A cycle's universe: the forward return of every asset with an outcome of its as_of and horizon. */
export type Universe = ReadonlyMap<string, number>;

/** Code-point order of asset names (stable across locales, unlike localeCompare). */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The K assets of the universe with the highest forward return; ties broken by asset name, ascending. */
export function topKByReturn(universe: Universe, k: number): string[] {
  return [...universe]
    .sort((a, b) => b[1] - a[1] || byName(a[0], b[0]))
    .slice(0, k)
    .map(([asset]) => asset);
}

/**
 * The relevant assets of `universe` for K under `relevance`, or a reason why there are none to speak
 * of (the benchmark has no outcome: the cycle is unlabeled). In mode `top_k` the set depends on K; in
 * the other modes it does not.
 */
export function relevantAssets(
  universe: Universe,
  relevance: Relevance,
  k: number,
): { readonly relevant: ReadonlySet<string> } | { readonly unlabeled: string } {
  switch (relevance.mode) {
    case 'top_k':
      return { relevant: new Set(topKByReturn(universe, k)) };
    case 'positive':
      return { relevant: new Set([...universe].filter(([, r]) => r > 0).map(([asset]) => asset)) };
    case 'above_benchmark': {
      const benchmark = universe.get(relevance.benchmark);
      if (benchmark === undefined) {
        return { unlabeled: `the benchmark ${relevance.benchmark} has no outcome` };
      }
      return { relevant: new Set([...universe].filter(([, r]) => r > benchmark).map(([asset]) => asset)) };
    }
  }
}
