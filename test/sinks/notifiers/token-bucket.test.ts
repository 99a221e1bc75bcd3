import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { TokenBucket } from '../../../sinks/notifiers/token-bucket.ts';
import { T0, fakeSleep } from './helpers.ts';

describe('TokenBucket', () => {
  it('lets one take through per second at 1/s with burst 1, each at the earliest moment', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock, sleep });
    const at: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await bucket.take();
      at.push(clock.now() - T0);
    }
    // The first token is there at the start; each next one takes (1 - 0) × 1000 / 1 = 1000 ms.
    expect(at).toEqual([0, 1000, 2000, 3000]);
  });

  it('serves concurrent takers in arrival order, spaced by the rate', async () => {
    const clock = new ManualClock(T0);
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1, clock, sleep: fakeSleep(clock) });
    const order: [number, number][] = [];
    await Promise.all([0, 1, 2].map((i) => bucket.take().then(() => void order.push([i, clock.now() - T0]))));
    // 2 tokens/s: one every 500 ms.
    expect(order).toEqual([
      [0, 0],
      [1, 500],
      [2, 1000],
    ]);
  });

  it('allows a burst, then the rate', async () => {
    const clock = new ManualClock(T0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3, clock, sleep: fakeSleep(clock) });
    const at: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await bucket.take();
      at.push(clock.now() - T0);
    }
    expect(at).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('holds every taker for a pause (Retry-After), then goes on at the rate', async () => {
    const clock = new ManualClock(T0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock, sleep: fakeSleep(clock) });
    await bucket.take(); // t=0
    bucket.pauseFor(7_000); // until t=7000; by then the bucket has refilled to its burst of 1
    await bucket.take();
    expect(clock.now() - T0).toBe(7_000);
    await bucket.take();
    expect(clock.now() - T0).toBe(8_000);
  });
});
