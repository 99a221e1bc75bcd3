import { describe, expect, it } from 'vitest';
import { emptyEwma, ewmaMoments, foldEwma } from '../../../processors/baseline/index.ts';
import { DAY } from './helpers.ts';

describe('EWMA with a half-life', () => {
  it('matches the weighted mean and variance computed by hand', () => {
    const ewma = emptyEwma();
    expect(ewmaMoments(ewma)).toBeUndefined();

    foldEwma(ewma, 0, 10, DAY);
    expect(ewmaMoments(ewma)).toEqual({ mean: 10, std: 0 });

    // One half-life later: weights 0.5 (10) and 1 (20), W = 1.5.
    // mean = (0.5·10 + 20) / 1.5 = 50/3; var = (0.5·(10 − 50/3)² + (20 − 50/3)²) / 1.5 = 200/9.
    foldEwma(ewma, DAY, 20, DAY);
    expect(ewma.weight).toBe(1.5);
    expect(ewma.mean).toBeCloseTo(50 / 3, 12);
    expect(ewmaMoments(ewma)?.std).toBeCloseTo(Math.sqrt(200 / 9), 12);

    // Same time, x = 5: weights 0.5, 1, 1, W = 2.5; mean = (5 + 20 + 5) / 2.5 = 12;
    // var = (0.5·(10 − 12)² + (20 − 12)² + (5 − 12)²) / 2.5 = (2 + 64 + 49) / 2.5 = 46.
    foldEwma(ewma, DAY, 5, DAY);
    expect(ewma.weight).toBe(2.5);
    expect(ewma.mean).toBeCloseTo(12, 12);
    expect(ewmaMoments(ewma)?.std).toBeCloseTo(Math.sqrt(46), 12);
    expect(ewma.ts).toBe(DAY);

    // Two half-lives on, nothing new: the weights shrink, the mean and variance do not move.
    foldEwma(ewma, 3 * DAY, 12, DAY);
    // Before x = 12 at 3·DAY: W = 2.5/4 = 0.625; x equals the mean: mean stays 12, S stays 115/4.
    // W' = 1.625, var = (115/4) / 1.625 = 17.6923...
    expect(ewma.weight).toBe(1.625);
    expect(ewma.mean).toBeCloseTo(12, 12);
    expect(ewmaMoments(ewma)?.std).toBeCloseTo(Math.sqrt(115 / 4 / 1.625), 12);
  });

  it('weighs an out-of-order observation by its age at the newest time, and keeps that time', () => {
    const ewma = emptyEwma();
    foldEwma(ewma, 0, 10, DAY);
    foldEwma(ewma, DAY, 20, DAY);
    foldEwma(ewma, DAY, 5, DAY);
    // x = 12 at time 0, one half-life before the newest: weight 0.5. W = 3; the mean stays 12
    // (x equals it), S stays 115: var = 115 / 3.
    foldEwma(ewma, 0, 12, DAY);
    expect(ewma.ts).toBe(DAY);
    expect(ewma.weight).toBe(3);
    expect(ewma.mean).toBeCloseTo(12, 12);
    expect(ewmaMoments(ewma)?.std).toBeCloseTo(Math.sqrt(115 / 3), 12);
  });

  it('does not depend on the order of arrival', () => {
    const observations: [number, number][] = [
      [0, 3.5],
      [5 * 3_600_000, -1.25],
      [DAY, 7],
      [DAY + 1, 2],
      [2 * DAY, 0.5],
    ];
    const inOrder = emptyEwma();
    for (const [ts, x] of observations) foldEwma(inOrder, ts, x, DAY);
    const shuffled = emptyEwma();
    for (const i of [2, 0, 4, 1, 3]) foldEwma(shuffled, observations[i]![0], observations[i]![1], DAY);
    expect(shuffled.ts).toBe(inOrder.ts);
    expect(shuffled.weight).toBeCloseTo(inOrder.weight, 12);
    expect(shuffled.mean).toBeCloseTo(inOrder.mean, 12);
    expect(ewmaMoments(shuffled)?.std).toBeCloseTo(ewmaMoments(inOrder)!.std, 12);
  });

  it('restarts from the new value after a gap long enough for every weight to underflow', () => {
    const ewma = emptyEwma();
    foldEwma(ewma, 0, 10, 1);
    foldEwma(ewma, 1, 30, 1);
    foldEwma(ewma, 1 + 10_000, 0.1, 1);
    expect(ewma.mean).toBe(0.1);
    expect(ewmaMoments(ewma)).toEqual({ mean: 0.1, std: 0 });
    // An observation so much older that its weight underflows counts for nothing.
    foldEwma(ewma, 0, 1e6, 1);
    expect(ewmaMoments(ewma)).toEqual({ mean: 0.1, std: 0 });
  });

  it('keeps a constant series exactly constant (std exactly 0)', () => {
    const ewma = emptyEwma();
    for (let i = 0; i < 50; i++) foldEwma(ewma, i * 3_600_000, 0.1, DAY);
    expect(ewmaMoments(ewma)).toEqual({ mean: 0.1, std: 0 });
  });
});
