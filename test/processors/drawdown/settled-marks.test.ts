import { describe, expect, it } from 'vitest';
import {
  emptySettledMarks,
  expireSettledMarks,
  isSettledStep,
  settledStepCount,
  settledSummaryAfter,
  settleMark,
} from '../../../processors/drawdown/settled-marks.ts';
import { scan, seededRandom } from './helpers.ts';

describe('settled marks', () => {
  it('give, after any ts, the maximum and max drawdown a scan of the marks after it gives, bit for bit', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 24; round += 1) {
      const settled = emptySettledMarks();
      const marks: [number, number][] = [];
      let ts = 1000;
      let equity = 100;
      const tick = [0.01, 1, 5][round % 3]!;
      const horizon = 20 + Math.floor(random() * 40); // expiry: keep the last `horizon` ms-steps of ts
      for (let n = 0; n < 120; n += 1) {
        ts += 1 + Math.floor(random() * 3);
        // A walk with falls and ties; a long decline now and then (every mark a step).
        const drift = round % 5 === 0 ? -0.004 : 0;
        equity = Math.max(tick, Math.round((equity * (1 + drift + (random() - 0.5) * 0.03)) / tick) * tick);
        settleMark(settled, ts, equity);
        marks.push([ts, equity]);
        const cutoff = ts - horizon;
        expireSettledMarks(settled, cutoff);
        for (let after = cutoff; after <= ts; after += 1) {
          const values = marks.filter(([t]) => t > after).map(([, e]) => e);
          const expected = values.length === 0 ? undefined : scan(values);
          const got = settledSummaryAfter(settled, after);
          expect(got && [got.max, got.maxDrawdown], `round ${round}, n ${n}, after ${after}`).toStrictEqual(
            expected && [expected.peak, expected.maxDrawdown],
          );
        }
        expect(settledStepCount(settled)).toBeLessThanOrEqual(marks.filter(([t]) => t > cutoff).length);
      }
    }
  });

  it('keeps the newest mark and the candidate peaks as steps, and knows them by ts and equity', () => {
    const settled = emptySettledMarks();
    for (const [ts, equity] of [
      [1, 100],
      [2, 90],
      [3, 95],
      [4, 80],
    ] as const) {
      settleMark(settled, ts, equity);
    }
    expect(isSettledStep(settled, 1, 100)).toBe(true);
    expect(isSettledStep(settled, 3, 95)).toBe(true);
    expect(isSettledStep(settled, 4, 80)).toBe(true);
    expect(isSettledStep(settled, 1, 99)).toBe(false);
    expect(isSettledStep(settled, 5, 80)).toBe(false);
    // 90 at ts 2 is neither a peak nor where a deeper fall starts: the marks after ts 1 sum up as 95, 1 − 80/95.
    expect(isSettledStep(settled, 2, 90)).toBe(false);
    expect(settledSummaryAfter(settled, 1)).toEqual({ max: 95, maxDrawdown: 1 - 80 / 95 });
    expect(settledSummaryAfter(settled, 0)).toEqual({ max: 100, maxDrawdown: 1 - 80 / 100 });
    expect(settledSummaryAfter(settled, 4)).toBeUndefined();
  });
});
