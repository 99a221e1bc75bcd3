/**
 * The outcomes a rebalance hands the monitoring replay: scored against them, its ranking gets the
 * precision, recall, hit and nDCG it gets against the whole universe, in every relevance mode.
 */
import { describe, expect, it } from 'vitest';
import { replayRanking } from '../../backtest/engine/index.ts';
import { compileRankingOptions, scoreCycle, type Relevance } from '../../processors/ranking/index.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const perK = (score: ReturnType<typeof scoreCycle>) =>
  score.status === 'scored' ? score.perK : score.status;

describe('the outcomes of the replay', () => {
  const modes: Relevance[] = [
    { mode: 'top_k' },
    { mode: 'positive' },
    { mode: 'above_benchmark', benchmark: 'A007' },
  ];
  for (const relevance of modes) {
    it(`score the ranking as the universe does (${relevance.mode})`, () => {
      const rand = lcg(relevance.mode.length);
      const config = { k: 4, ks: [1, 3, 8], relevance };
      const options = compileRankingOptions({ ks: config.ks, relevance });
      let smaller = 0;
      for (let trial = 0; trial < 200; trial++) {
        const n = 1 + Math.floor(rand() * 60);
        // Returns on a coarse grid, so ties (broken by name) happen.
        const universe = new Map(
          Array.from(
            { length: n },
            (_, i) => [`A${String(i).padStart(3, '0')}`, Math.round((rand() - 0.45) * 8) / 100] as const,
          ),
        );
        // Candidates: some universe assets, some without an outcome.
        const ranked = [...universe.keys(), 'X1', 'X2']
          .filter(() => rand() < 0.6)
          .map((asset) => [asset, rand()] as const)
          .sort((a, b) => b[1] - a[1]);
        const { ranking, outcomes } = replayRanking(config, ranked, universe);
        expect(ranking).toEqual(ranked.slice(0, 8));
        const cycle = { strategy: 's', env: 'prod', status: 'success' as const, predictions: ranking };
        const full = scoreCycle(cycle, universe, options);
        const part = scoreCycle(cycle, new Map(outcomes), options);
        expect(perK(part)).toEqual(perK(full));
        if (outcomes.length < universe.size) smaller++;
      }
      // Not the universe every time: the point of it.
      expect(smaller).toBeGreaterThan(50);
    });
  }
});
