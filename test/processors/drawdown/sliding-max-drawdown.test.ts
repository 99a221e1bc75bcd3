import { describe, expect, it } from 'vitest';
import { combineSegments, singleSegment } from '../../../processors/drawdown/segment-summary.ts';
import {
  emptySlidingMaxDrawdown,
  expireSlidingMaxDrawdown,
  pushSlidingMaxDrawdown,
  slidingMaxDrawdownSize,
  slidingMaxDrawdownSummary,
  type SlidingMaxDrawdown,
} from '../../../processors/drawdown/sliding-max-drawdown.ts';
import { seededRandom } from './helpers.ts';

/** Max drawdown by its definition: the largest 1 − later/earlier over every pair, earlier first. */
function pairwiseMaxDrawdown(values: readonly number[]): number {
  let best = 0;
  for (let i = 0; i < values.length; i += 1) {
    for (let j = i; j < values.length; j += 1) {
      best = Math.max(best, 1 - (values[j] as number) / (values[i] as number));
    }
  }
  return best;
}

describe('segment summaries', () => {
  it('combine a peak in the earlier run with a trough in the later one, never the reverse', () => {
    const rising = combineSegments(singleSegment(80), singleSegment(100));
    expect(rising).toEqual([100, 80, 0]);
    const falling = combineSegments(singleSegment(100), singleSegment(80));
    expect(falling).toEqual([100, 80, 1 - 80 / 100]);
  });
});

describe('SlidingMaxDrawdown (two-stack aggregation)', () => {
  it('is empty at first', () => {
    expect(slidingMaxDrawdownSummary(emptySlidingMaxDrawdown())).toBeUndefined();
  });

  it('counts a trough only after its peak', () => {
    const window = emptySlidingMaxDrawdown();
    pushSlidingMaxDrawdown(window, 0, 80);
    pushSlidingMaxDrawdown(window, 1, 100);
    pushSlidingMaxDrawdown(window, 2, 90);
    expect(slidingMaxDrawdownSummary(window)).toEqual({ max: 100, min: 80, maxDrawdown: 1 - 90 / 100 });
  });

  it('expires by timestamp, across the flip of the back stack onto the front', () => {
    const window = emptySlidingMaxDrawdown();
    pushSlidingMaxDrawdown(window, 0, 100);
    pushSlidingMaxDrawdown(window, 10, 50);
    pushSlidingMaxDrawdown(window, 20, 80);
    expireSlidingMaxDrawdown(window, 0); // flips, drops ts 0
    expect(slidingMaxDrawdownSummary(window)).toEqual({ max: 80, min: 50, maxDrawdown: 0 });
    pushSlidingMaxDrawdown(window, 30, 40); // front [50, 80], back [40]
    expect(slidingMaxDrawdownSummary(window)).toEqual({ max: 80, min: 40, maxDrawdown: 1 - 40 / 80 });
    expireSlidingMaxDrawdown(window, 20); // front empty again, back [40]
    expect(slidingMaxDrawdownSize(window)).toBe(1);
    expect(slidingMaxDrawdownSummary(window)).toEqual({ max: 40, min: 40, maxDrawdown: 0 });
  });

  it('matches the pairwise definition over a random stream, bit for bit, through JSON round trips', () => {
    const random = seededRandom(11);
    const windowMs = 300;
    let window: SlidingMaxDrawdown = emptySlidingMaxDrawdown();
    const seen: [number, number][] = [];
    let ts = 0;
    let value = 100;
    for (let i = 0; i < 4000; i += 1) {
      ts += Math.floor(random() * 30);
      value = Math.max(1, Math.round((value + (random() - 0.5) * 10) * 100) / 100);
      pushSlidingMaxDrawdown(window, ts, value);
      expireSlidingMaxDrawdown(window, ts - windowMs);
      seen.push([ts, value]);
      const inWindow = seen.filter(([t]) => t > ts - windowMs).map(([, v]) => v);
      expect(slidingMaxDrawdownSummary(window)).toEqual({
        max: Math.max(...inWindow),
        min: Math.min(...inWindow),
        maxDrawdown: pairwiseMaxDrawdown(inWindow),
      });
      expect(slidingMaxDrawdownSize(window)).toBe(inWindow.length);
      if (i % 89 === 0) window = JSON.parse(JSON.stringify(window)) as SlidingMaxDrawdown;
    }
  });
});
