import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  compileDeliveryPolicy,
  deliverWithRetries,
  permanent,
  retriable,
  accepted,
  type DeliveryResult,
} from '../../../sinks/notifiers/index.ts';
import { T0, fakeSleep } from './helpers.ts';

function scripted(results: DeliveryResult[]): () => Promise<DeliveryResult> {
  return () => Promise.resolve(results.shift() ?? accepted);
}

describe('deliverWithRetries', () => {
  const policy = compileDeliveryPolicy({
    maxAttempts: 5,
    initialBackoffMs: 1_000,
    maxBackoffMs: 3_000,
    backoffMultiplier: 2,
    maxElapsedMs: 60_000,
  });

  it('backs off exponentially, capped, until accepted', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const outcome = await deliverWithRetries(
      scripted([retriable('503'), retriable('503'), retriable('503'), retriable('503'), accepted]),
      policy,
      { clock, wait: (ms) => sleep(ms) },
    );
    expect(outcome).toEqual({ result: accepted, attempts: 5, aborted: false });
    // 1000, 1000×2 = 2000, 2000×2 = 4000 capped at 3000, then 3000.
    expect(sleep.waits).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it('waits what Retry-After asks when it is longer than the backoff', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    await deliverWithRetries(scripted([retriable('429', 7_000), retriable('429', 0), accepted]), policy, {
      clock,
      wait: (ms) => sleep(ms),
    });
    // max(1000, 7000) = 7000; then max(2000, 0) = 2000.
    expect(sleep.waits).toEqual([7_000, 2_000]);
  });

  it('stops at the attempt bound and returns the last retriable result', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const outcome = await deliverWithRetries(() => Promise.resolve(retriable('down')), policy, {
      clock,
      wait: (ms) => sleep(ms),
    });
    expect(outcome.attempts).toBe(5);
    expect(outcome.result).toEqual(retriable('down'));
  });

  it('stops when the next wait would pass the time bound', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const tight = compileDeliveryPolicy({ ...policy, maxElapsedMs: 5_000 });
    const outcome = await deliverWithRetries(() => Promise.resolve(retriable('down')), tight, {
      clock,
      wait: (ms) => sleep(ms),
    });
    // Waits 1000 (elapsed 1000), 2000 (elapsed 3000); the next, 3000, would reach 6000 > 5000.
    expect(sleep.waits).toEqual([1_000, 2_000]);
    expect(outcome.attempts).toBe(3);
  });

  it('parks at once on a Retry-After beyond the time bound', async () => {
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const outcome = await deliverWithRetries(scripted([retriable('429', 3_600_000)]), policy, {
      clock,
      wait: (ms) => sleep(ms),
    });
    expect(outcome.attempts).toBe(1);
    expect(sleep.waits).toEqual([]);
  });

  it('does not retry a permanent refusal', async () => {
    const clock = new ManualClock(T0);
    const outcome = await deliverWithRetries(scripted([permanent('404 channel_not_found')]), policy, {
      clock,
      wait: () => Promise.resolve(),
    });
    expect(outcome).toEqual({ result: permanent('404 channel_not_found'), attempts: 1, aborted: false });
  });

  it('gives up without another attempt once aborted', async () => {
    const clock = new ManualClock(T0);
    const stop = new AbortController();
    let calls = 0;
    const outcome = await deliverWithRetries(
      () => {
        calls += 1;
        return Promise.resolve(retriable('down'));
      },
      policy,
      {
        clock,
        signal: stop.signal,
        wait: () => {
          stop.abort();
          return Promise.resolve();
        },
      },
    );
    expect(calls).toBe(1);
    expect(outcome.aborted).toBe(true);
  });

  it('rejects a policy that makes no sense, listing every problem', () => {
    expect(() =>
      compileDeliveryPolicy({ maxAttempts: 0, backoffMultiplier: 0.5, probeIntervalMs: 0 }),
    ).toThrow(/maxAttempts[\s\S]*backoffMultiplier[\s\S]*probeIntervalMs/);
  });
});
