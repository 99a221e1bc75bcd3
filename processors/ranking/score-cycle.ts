import type { CycleStatus } from '../../schemas/index.ts';
import type { RankingOptions } from './options.ts';
import { hitAtK, hitsAtK, ndcgAtK, precisionAtK, recallAtK, spearman } from './ranking-metrics.ts';
import { relevantAssets, type Universe } from './relevance.ts';

/** A cycle as the join holds it: what scoring needs, predictions in rank order. */
export interface HeldCycle {
  readonly strategy: string;
  readonly env: string;
  readonly status: CycleStatus;
  /** `[asset, score]` by ascending rank. */
  readonly predictions: readonly (readonly [string, number])[];
}

/** The scores of one K. */
export interface KScore {
  readonly k: number;
  readonly hits: number;
  readonly precision: number;
  /** Null when nothing is relevant. */
  readonly recall: number | null;
  readonly hit: number;
  /** Null when nothing is relevant. */
  readonly ndcg: number | null;
  /** |relevant| for this K. */
  readonly relevant: number;
}

/** What became of a cycle at scoring time. */
export type CycleScore =
  | {
      readonly status: 'scored';
      readonly universe: number;
      readonly predictions: number;
      /** Predictions whose asset has an outcome. */
      readonly labeled: number;
      readonly perK: readonly KScore[];
      /** Spearman of score vs forward return over the labeled predictions; null if undefined. */
      readonly rankIc: number | null;
    }
  /** No outcome to score against (empty universe, or the benchmark has none): not a miss. */
  | {
      readonly status: 'unlabeled';
      readonly universe: number;
      readonly predictions: number;
      readonly reason: string;
    }
  /** The cycle failed upstream (status failure): nothing to score. */
  | { readonly status: 'failed'; readonly universe: number; readonly predictions: number };

/**
 * Scores one cycle against its universe (README.md, "Scoring"). Rules: a failed cycle is `failed`; an
 * empty universe (no outcome arrived) or a missing benchmark is `unlabeled`; predictions whose asset
 * has no outcome are never relevant and are left out of rank_ic; with fewer than K predictions the
 * missing places are misses.
 */
export function scoreCycle(cycle: HeldCycle, universe: Universe, options: RankingOptions): CycleScore {
  const predictions = cycle.predictions.length;
  if (cycle.status === 'failure') return { status: 'failed', universe: universe.size, predictions };
  if (universe.size === 0) {
    return { status: 'unlabeled', universe: 0, predictions, reason: 'no outcome arrived for its as_of' };
  }
  const ranked = cycle.predictions.map(([asset]) => asset);
  const perK: KScore[] = [];
  for (const k of options.ks) {
    const relevance = relevantAssets(universe, options.relevance, k);
    if ('unlabeled' in relevance) {
      return { status: 'unlabeled', universe: universe.size, predictions, reason: relevance.unlabeled };
    }
    const { relevant } = relevance;
    perK.push({
      k,
      hits: hitsAtK(ranked, relevant, k),
      precision: precisionAtK(ranked, relevant, k),
      recall: recallAtK(ranked, relevant, k),
      hit: hitAtK(ranked, relevant, k),
      ndcg: ndcgAtK(ranked, relevant, k),
      relevant: relevant.size,
    });
  }
  const labeled = cycle.predictions.filter(([asset]) => universe.has(asset));
  const rankIc = spearman(
    labeled.map(([, score]) => score),
    labeled.map(([asset]) => universe.get(asset)!),
  );
  return { status: 'scored', universe: universe.size, predictions, labeled: labeled.length, perK, rankIc };
}
