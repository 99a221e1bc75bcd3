import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from '../../core/retry.ts';
import { TradewatchError } from '../../core/errors.ts';

const transient = () => new TradewatchError('TW_KAFKA_UNAVAILABLE', 'down');

describe('backoffDelay', () => {
  it('grows by the multiplier up to the cap, less the jitter drawn from the injected random', () => {
    const policy = { initialMs: 100, maxMs: 500 };
    expect([1, 2, 3, 4, 60_000].map((n) => backoffDelay(policy, n))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay({ initialMs: 250, multiplier: 1 }, 7)).toBe(250);
    expect(backoffDelay({ ...policy, jitter: 0.5 }, 2, () => 0.5)).toBe(150);
  });
});

describe('retry', () => {
  it('retries what is retriable until it succeeds, telling of each retry', async () => {
    const seen: number[] = [];
    const result = await retry(
      (attempt) => (attempt < 3 ? Promise.reject(transient()) : Promise.resolve(attempt)),
      { initialMs: 1, onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect(result).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it('throws at once what is not retriable, and the last error when the attempts run out', async () => {
    let calls = 0;
    const permanent = new TradewatchError('TW_KAFKA_FAILED', 'no');
    await expect(retry(() => Promise.reject(permanent), { initialMs: 1 })).rejects.toBe(permanent);
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(transient());
        },
        { initialMs: 1, attempts: 3 },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(3);
  });

  it('ends the wait in hand when aborted, with the last error', async () => {
    const abort = new AbortController();
    const pending = retry(() => Promise.reject(transient()), { initialMs: 60_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 10);
    await expect(pending).rejects.toThrow('down');
  });
});
