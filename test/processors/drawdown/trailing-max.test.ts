import { describe, expect, it } from 'vitest';
import {
  emptyTrailingMax,
  expireTrailingMax,
  pushTrailingMax,
  trailingMaxSize,
  trailingMaxValue,
  type TrailingMax,
} from '../../../processors/drawdown/trailing-max.ts';
import { seededRandom } from './helpers.ts';

describe('TrailingMax (monotonic deque)', () => {
  it('is empty at first', () => {
    expect(trailingMaxValue(emptyTrailingMax())).toBeUndefined();
  });

  it('expires by timestamp: a value at the cutoff is out, one just after is in', () => {
    const deque = emptyTrailingMax();
    pushTrailingMax(deque, 1000, 9);
    pushTrailingMax(deque, 1001, 7);
    pushTrailingMax(deque, 2000, 5);
    expireTrailingMax(deque, 1000); // window (1000, 2000]
    expect(trailingMaxValue(deque)).toBe(7);
    expireTrailingMax(deque, 1001);
    expect(trailingMaxValue(deque)).toBe(5);
  });

  it('keeps the newer of equal values, so a tie outlives the older one', () => {
    const deque = emptyTrailingMax();
    pushTrailingMax(deque, 0, 100);
    pushTrailingMax(deque, 10, 100);
    pushTrailingMax(deque, 20, 90);
    expect(trailingMaxSize(deque)).toBe(2);
    expireTrailingMax(deque, 5);
    expect(trailingMaxValue(deque)).toBe(100);
    expireTrailingMax(deque, 10);
    expect(trailingMaxValue(deque)).toBe(90);
  });

  it('drops dominated values: a rising series keeps one entry', () => {
    const deque = emptyTrailingMax();
    for (let i = 0; i < 100; i += 1) pushTrailingMax(deque, i, i);
    expect(trailingMaxSize(deque)).toBe(1);
    expect(trailingMaxValue(deque)).toBe(99);
  });

  it('matches a brute-force maximum over a random stream, through JSON round trips', () => {
    const random = seededRandom(7);
    const windowMs = 500;
    let deque: TrailingMax = emptyTrailingMax();
    const seen: [number, number][] = [];
    let ts = 0;
    for (let i = 0; i < 5000; i += 1) {
      ts += Math.floor(random() * 40);
      const value = Math.round(random() * 20);
      pushTrailingMax(deque, ts, value);
      expireTrailingMax(deque, ts - windowMs);
      seen.push([ts, value]);
      const inWindow = seen.filter(([t]) => t > ts - windowMs).map(([, v]) => v);
      expect(trailingMaxValue(deque)).toBe(Math.max(...inWindow));
      expect(trailingMaxSize(deque)).toBeLessThanOrEqual(inWindow.length);
      if (i % 97 === 0) deque = JSON.parse(JSON.stringify(deque)) as TrailingMax;
    }
    // Memory stays bounded: compaction keeps dead entries to an eighth (or fewer than 16).
    expect(deque.entries.length).toBeLessThanOrEqual(
      Math.max(16, Math.ceil((trailingMaxSize(deque) * 8) / 7)),
    );
  });
});
