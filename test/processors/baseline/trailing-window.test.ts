import { describe, expect, it } from 'vitest';
import {
  addToTrailingWindow,
  emptyTrailingWindow,
  expireTrailingWindow,
  trailingWindowMoments,
} from '../../../processors/baseline/index.ts';
import { HOUR, MINUTE } from './helpers.ts';

describe('trailing window of buckets', () => {
  it('gives the count, mean and population std of the observations in the window', () => {
    const window = emptyTrailingWindow(3 * HOUR, HOUR);
    expect(trailingWindowMoments(window)).toEqual({ count: 0, mean: 0, std: 0 });
    for (const [ts, x] of [
      [0, 1],
      [HOUR, 2],
      [2 * HOUR, 3],
    ] as const) {
      expireTrailingWindow(window, ts);
      addToTrailingWindow(window, ts, x);
    }
    // 1, 2, 3: mean 2, var ((1 − 2)² + 0 + (3 − 2)²) / 3 = 2/3.
    const three = trailingWindowMoments(window);
    expect(three.count).toBe(3);
    expect(three.mean).toBeCloseTo(2, 12);
    expect(three.std).toBeCloseTo(Math.sqrt(2 / 3), 12);

    // At 3 h the window (0, 3 h] no longer holds the observation at 0: 2, 3 → mean 2.5, std 0.5.
    expireTrailingWindow(window, 3 * HOUR);
    expect(trailingWindowMoments(window)).toEqual({ count: 2, mean: 2.5, std: 0.5 });

    // Two observations in one bucket (3 h: 4 and 6): 2, 3, 4, 6 → mean 15/4 = 3.75;
    // var = (1.75² + 0.75² + 0.25² + 2.25²) / 4 = (3.0625 + 0.5625 + 0.0625 + 5.0625) / 4 = 2.1875.
    addToTrailingWindow(window, 3 * HOUR, 4);
    addToTrailingWindow(window, 3 * HOUR + 30 * MINUTE, 6);
    expect(window.buckets).toHaveLength(3);
    const four = trailingWindowMoments(window);
    expect(four.count).toBe(4);
    expect(four.mean).toBeCloseTo(3.75, 12);
    expect(four.std).toBeCloseTo(Math.sqrt(2.1875), 12);
  });

  it('adds an out-of-order observation to its bucket while it is in the window, and drops it after', () => {
    const window = emptyTrailingWindow(3 * HOUR, HOUR);
    addToTrailingWindow(window, 2 * HOUR, 10);
    addToTrailingWindow(window, 0, 20); // bucket 0 is still in the window of 2 h: (−1 h, 2 h]
    addToTrailingWindow(window, HOUR + 5 * MINUTE, 30);
    expect(window.buckets.map((b) => b[0])).toEqual([0, HOUR, 2 * HOUR]);
    expect(trailingWindowMoments(window).mean).toBeCloseTo(20, 12);
    addToTrailingWindow(window, 3 * HOUR, 40);
    // The window of 3 h keeps the buckets starting after 0: one at −1 h is not added.
    addToTrailingWindow(window, -HOUR, 1000);
    expect(window.buckets.map((b) => b[0])).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR]);
    expireTrailingWindow(window, 3 * HOUR);
    expect(window.buckets.map((b) => b[0])).toEqual([HOUR, 2 * HOUR, 3 * HOUR]);
  });

  it('stays bounded by window / bucket entries however many observations', () => {
    const window = emptyTrailingWindow(24 * HOUR, HOUR);
    for (let i = 0; i < 10_000; i++) {
      const ts = i * 30_000;
      expireTrailingWindow(window, ts);
      addToTrailingWindow(window, ts, i % 7);
    }
    expect(window.buckets.length).toBeLessThanOrEqual(24);
  });
});
