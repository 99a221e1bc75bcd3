import { describe, expect, it } from 'vitest';
import { histogramBins, linearFit, pearson, rollingMean } from '../../../runtime/html/index.ts';

describe('stats', () => {
  it('pearson matches a hand-computed r', () => {
    // x = 1..5, y = 2,4,5,4,5: mx = 3, my = 4; Σdxdy = 6, Σdx² = 10, Σdy² = 6 → r = 6 / √60 = 0.774596…
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(6 / Math.sqrt(60), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
  });

  it('linearFit is the least-squares line', () => {
    // Same data: slope = Σdxdy / Σdx² = 0.6, intercept = 4 − 0.6 × 3 = 2.2.
    const fit = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(fit?.slope).toBeCloseTo(0.6, 12);
    expect(fit?.intercept).toBeCloseTo(2.2, 12);
    expect(linearFit([2, 2], [1, 3])).toBeNull();
  });

  it('rollingMean averages the trailing window, skipping nulls', () => {
    expect(rollingMean([1, 2, 3, 4, 5], 3)).toEqual([1, 1.5, 2, 3, 4]);
    expect(rollingMean([1, null, 3, null, null, null, 7], 2)).toEqual([1, 1, 3, 3, null, null, 7]);
    expect(rollingMean([], 5)).toEqual([]);
    expect(() => rollingMean([1], 0)).toThrow(/positive integer/);
  });

  it('histogramBins splits [min, max] into equal bins holding every value', () => {
    const bins = histogramBins([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], 5);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 2, 2]);
    expect(bins[0]).toEqual({ lo: 0, hi: 2, count: 2 });
    expect(bins[4]?.hi).toBe(10);
    expect(histogramBins([3, 3, 3])).toEqual([{ lo: 3, hi: 3, count: 3 }]);
    expect(histogramBins([])).toEqual([]);
    expect(histogramBins(Array.from({ length: 100 }, (_, i) => i))).toHaveLength(10);
  });
});
