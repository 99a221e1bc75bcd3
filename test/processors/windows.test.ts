/** Event-time windows: alignment, hopping membership, closing at end + grace, lateness. */
import { describe, expect, it } from 'vitest';
import {
  WindowedAggregation,
  hopping,
  isClosed,
  lateness,
  tumbling,
  windowsOf,
} from '../../processors/windows/index.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const D0 = Date.UTC(2026, 10, 24); // 00:00 UTC

describe('windows', () => {
  it('aligns tumbling windows to the epoch: a 1-day window starts at 00:00 UTC', () => {
    expect(windowsOf(tumbling(DAY), D0 + 5 * 60 * MIN)).toEqual([{ start: D0, end: D0 + DAY }]);
    // The end is exclusive: 00:00 of the next day is in the next window.
    expect(windowsOf(tumbling(DAY), D0 + DAY)).toEqual([{ start: D0 + DAY, end: D0 + 2 * DAY }]);
    // Before the epoch too (floor, not truncation).
    expect(windowsOf(tumbling(10), -3)).toEqual([{ start: -10, end: 0 }]);
  });

  it('puts a record in size/advance hopping windows', () => {
    // 10-minute windows every 5 minutes: 12:07 is in [12:00, 12:10) and [12:05, 12:15).
    const t = D0 + 12 * 60 * MIN + 7 * MIN;
    expect(windowsOf(hopping(10 * MIN, 5 * MIN), t)).toEqual([
      { start: t - 7 * MIN, end: t + 3 * MIN },
      { start: t - 2 * MIN, end: t + 8 * MIN },
    ]);
  });

  it('refuses shapes that make no sense, saying what is expected', () => {
    expect(() => hopping(10, 3)).toThrow(/advance \(3 ms\) must divide its size \(10 ms\)/);
    expect(() => tumbling(0)).toThrow(/window size must be an integer number of milliseconds ≥ 1, got 0/);
    expect(() => tumbling(10, -1)).toThrow(/grace period/);
  });

  it('closes a window once the stream time reaches end + grace, and calls records of closed windows late', () => {
    const spec = tumbling(10 * MIN, 2 * MIN);
    expect(isClosed(spec, D0 + 10 * MIN, null)).toBe(false);
    expect(isClosed(spec, D0 + 10 * MIN, D0 + 12 * MIN - 1)).toBe(false);
    expect(isClosed(spec, D0 + 10 * MIN, D0 + 12 * MIN)).toBe(true);
    expect(lateness(spec, D0 + 11 * MIN, D0 + 1 * MIN)).toBeNull();
    expect(lateness(spec, D0 + 12 * MIN, D0 + 1 * MIN)).toBe(
      'event time 2026-11-24T00:01:00.000Z falls in window [2026-11-24T00:00:00.000Z, 2026-11-24T00:10:00.000Z), ' +
        'which closed at 2026-11-24T00:12:00.000Z (grace 120000 ms); stream time is 2026-11-24T00:12:00.000Z',
    );
  });

  it('aggregates per window, emits each window once when it closes, and leaves state unchanged for a late record', () => {
    const sum = new WindowedAggregation<number, number>(
      tumbling(10 * MIN, 2 * MIN),
      () => 0,
      (a, v) => a + v,
    );
    const state = sum.initialState();
    expect(sum.add(state, D0 + 1 * MIN, 5)).toEqual({ late: null, closed: [] });
    expect(sum.add(state, D0 + 9 * MIN, 7)).toEqual({ late: null, closed: [] });
    // 00:11 opens [00:10, 00:20); [00:00, 00:10) stays open until 00:12 (grace), so 00:03 still counts.
    expect(sum.add(state, D0 + 11 * MIN, 1)).toEqual({ late: null, closed: [] });
    expect(sum.add(state, D0 + 3 * MIN, 100)).toEqual({ late: null, closed: [] });
    // 00:12 closes [00:00, 00:10) with 5 + 7 + 100 = 112.
    expect(sum.add(state, D0 + 12 * MIN, 2)).toEqual({
      late: null,
      closed: [{ start: D0, end: D0 + 10 * MIN, aggregate: 112 }],
    });
    const before = JSON.stringify(state);
    const late = sum.add(state, D0 + 4 * MIN, 1000);
    expect(late.late).toMatch(/^event time 2026-11-24T00:04:00.000Z falls in window/);
    expect(JSON.stringify(state)).toBe(before);
    // Advancing without a record (e.g. a watermark) closes [00:10, 00:20) with 1 + 2 = 3.
    expect(sum.advance(state, D0 + 22 * MIN)).toEqual([
      { start: D0 + 10 * MIN, end: D0 + 20 * MIN, aggregate: 3 },
    ]);
    expect(state.open).toEqual([]);
    // The state is plain JSON.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('folds a hopping record into each of its open windows only', () => {
    const count = new WindowedAggregation<number, number>(
      hopping(10 * MIN, 5 * MIN),
      () => 0,
      (a) => a + 1,
    );
    const state = count.initialState();
    count.add(state, D0 + 7 * MIN, 1); // [0, 10) and [5, 15)
    // 00:12 is in [5, 15) and [10, 20); as the stream time, it closes [0, 10) (no grace).
    expect(count.add(state, D0 + 12 * MIN, 1)).toEqual({
      late: null,
      closed: [{ start: D0, end: D0 + 10 * MIN, aggregate: 1 }],
    });
    expect(state.open).toEqual([
      [D0 + 5 * MIN, 2],
      [D0 + 10 * MIN, 1],
    ]);
    // A record at 00:08 misses closed [0, 10) but still counts in open [5, 15).
    expect(count.add(state, D0 + 8 * MIN, 1)).toEqual({ late: null, closed: [] });
    expect(state.open[0]).toEqual([D0 + 5 * MIN, 3]);
  });
});
