/**
 * The engine's RankingScorer against processors/ranking's live functions (scoreCycle, spearman): the
 * same figures, bit for bit, on many random rankings and universes, ties included.
 */
import { describe, expect, it } from 'vitest';
import { RankingScorer, type RankingFigures } from '../../backtest/engine/ranking.ts';
import { seededRandom, type Random } from '../../bench/random.ts';
import {
  compileRankingOptions,
  type Relevance,
  type RankingOptions,
} from '../../processors/ranking/options.ts';
import { spearman } from '../../processors/ranking/ranking-metrics.ts';
import { scoreCycle } from '../../processors/ranking/score-cycle.ts';

const MAX_ASSETS = 60;
const names = Array.from({ length: MAX_ASSETS }, (_, i) => `A${String(i).padStart(3, '0')}`);

/** The live figures: what the engine computed before the scorer (and still does as its fallback). */
function live(
  ranked: readonly number[],
  score: Float64Array,
  universe: ReadonlyMap<string, number>,
  options: RankingOptions,
): RankingFigures {
  const predictions = ranked.map((id) => [names[id]!, score[id]!] as const);
  const s = scoreCycle({ strategy: 's', env: 'e', status: 'success', predictions }, universe, options);
  const perK = options.ks.map((k) => {
    const one = s.status === 'scored' ? s.perK.find((p) => p.k === k) : undefined;
    return { precision: one?.precision ?? null, recall: one?.recall ?? null, ndcg: one?.ndcg ?? null };
  });
  if (s.status === 'scored') return { perK, ic: s.rankIc };
  const labeled = predictions.filter(([asset]) => universe.has(asset));
  return {
    perK,
    ic: spearman(
      labeled.map(([, v]) => v),
      labeled.map(([asset]) => universe.get(asset)!),
    ),
  };
}

/** A value: often from a few levels (ties, zeros of both signs), else continuous. */
function value(random: Random, tied: boolean): number {
  if (tied) return [-0.02, -0, 0, 0.01, 0.01, 0.03][Math.floor(random.next() * 6)]!;
  return random.normal() / 50;
}

function shuffle<T>(random: Random, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const RELEVANCES: readonly Relevance[] = [
  { mode: 'top_k' },
  { mode: 'positive' },
  { mode: 'above_benchmark', benchmark: names[0]! },
];

describe('the engine ranking scorer', () => {
  for (const relevance of RELEVANCES) {
    it(`gives the live figures on random rankings (${relevance.mode})`, () => {
      const random = seededRandom(relevance.mode.length * 7919);
      const options = compileRankingOptions({ ks: [1, 2, 5, 10, 40, 100], relevance });
      const scorer = new RankingScorer(MAX_ASSETS, options);
      const score = new Float64Array(MAX_ASSETS);
      let scored = 0;
      for (let round = 0; round < 3000; round++) {
        const size = 1 + Math.floor(random.next() * MAX_ASSETS);
        const tiedScores = random.next() < 0.5;
        const tiedReturns = random.next() < 0.5;
        const ranked = shuffle(
          random,
          Array.from({ length: size }, (_, i) => i),
        ).slice(0, Math.floor(random.next() * (size + 1)));
        for (const id of ranked) score[id] = value(random, tiedScores);
        ranked.sort((a, b) => score[b]! - score[a]! || a - b);
        // The universe: any assets (some not candidates), sometimes empty, in any order.
        const share = random.next() < 0.05 ? 0 : random.next();
        const inUniverse = shuffle(
          random,
          Array.from({ length: size }, (_, i) => i),
        ).filter(() => random.next() < share);
        const returns = inUniverse.map(() => value(random, tiedReturns));
        scorer.load({ ids: Int32Array.from(inUniverse), returns: Float64Array.from(returns) });
        const fast = scorer.score(ranked, ranked.length, score, 0);
        const universe = new Map(inUniverse.map((id, i) => [names[id]!, returns[i]!] as const));
        const expected = live(ranked, score, universe, options);
        expect(fast, `round ${round}`).toEqual(expected);
        if (expected.ic !== null && expected.perK[0]!.precision !== null) scored++;
      }
      // The rounds did cover scored cycles with an IC (not only degenerate ones).
      expect(scored).toBeGreaterThan(1000);
    });
  }

  it('declines non-finite scores or returns (the engine then scores with the live functions)', () => {
    const options = compileRankingOptions({ ks: [1], relevance: { mode: 'top_k' } });
    const scorer = new RankingScorer(3, options);
    scorer.load({ ids: Int32Array.of(0, 1), returns: Float64Array.of(0.1, NaN) });
    expect(scorer.score([0, 1], 2, Float64Array.of(2, 1, 0), undefined)).toBeNull();
    expect(scorer.returnOf(1)).toBeNaN();
    scorer.load({ ids: Int32Array.of(0, 1), returns: Float64Array.of(0.1, 0.2) });
    expect(scorer.score([0, 1], 2, Float64Array.of(Infinity, 1, 0), undefined)).toBeNull();
    expect(scorer.score([0, 1], 2, Float64Array.of(2, 1, 0), undefined)).toEqual({
      perK: [{ precision: 0, recall: 0, ndcg: 0 }],
      ic: -1,
    });
    expect(scorer.returnOf(2)).toBeUndefined();
  });
});
