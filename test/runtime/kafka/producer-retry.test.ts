/**
 * The transactional producer's retry schedule (runtime/kafka/kafkajs-client.ts): the first retry comes
 * early enough for CONCURRENT_TRANSACTIONS, which the coordinator answers for a few milliseconds after
 * every commit (the Java client retries it after 20 ms), and the whole schedule is at least as patient
 * with a broker that is away as the client's default (5 retries from 200 ms, about 6 s). kafkajs waits
 * `initialRetryTime` × 2^n, each ±20% (its defaults), capped at `maxRetryTime`.
 */
import { describe, expect, it } from 'vitest';
import { TRANSACTIONAL_PRODUCER_RETRY } from '../../../runtime/kafka/kafkajs-client.ts';

/** Each wait of a kafkajs retry schedule, at the low (`factor` -0.2) or high (+0.2) end. */
function waits(
  r: { initialRetryTime: number; maxRetryTime: number; retries: number },
  factor: number,
): number[] {
  return Array.from({ length: r.retries }, (_, n) =>
    Math.min(r.maxRetryTime, r.initialRetryTime * 2 ** n * (1 + factor)),
  );
}

describe('the transactional producer retries', () => {
  it('first within 20 ms, and in all at least as long as the client default', () => {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(waits(TRANSACTIONAL_PRODUCER_RETRY, 0.2)[0]).toBeLessThanOrEqual(20);
    const before = sum(waits({ initialRetryTime: 200, maxRetryTime: 5000, retries: 5 }, 0));
    expect(sum(waits(TRANSACTIONAL_PRODUCER_RETRY, -0.2))).toBeGreaterThanOrEqual(before);
  });
});
