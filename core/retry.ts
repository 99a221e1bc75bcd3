/**
 * Retrying with exponential backoff: the one loop behind every "try again after a pause" in tradewatch
 * (a sink outage waited out, a Kafka transaction refused while the previous one settles, a topic's
 * leaders being elected). Waits grow by `multiplier` up to `maxMs`, optionally shortened by a random
 * `jitter` (from an injected random, so tests and backtests get the same waits every run); only errors
 * that say they are `retriable` are retried unless the caller says otherwise; an abort signal ends the
 * wait at once and the last error is thrown.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** The shape of the waits. */
export interface BackoffPolicy {
  /** Wait after the first failure, ms. */
  readonly initialMs: number;
  /** Longest wait, ms. Default: `initialMs` times the multiplier, unbounded. */
  readonly maxMs?: number;
  /** Each wait is the previous one times this. Default 2 (1: a fixed wait). */
  readonly multiplier?: number;
  /**
   * Fraction of each wait that is random: a wait of `w` becomes one in `[w × (1 − jitter), w]`, so that
   * many clients failing together do not retry together. Between 0 and 1. Default 0 (no jitter).
   */
  readonly jitter?: number;
}

/**
 * The wait before retry number `retry` (1: after the first failure):
 * min(initialMs × multiplier^(retry − 1), maxMs), less up to `jitter` of it at random.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  // multiplier^exponent overflows to Infinity for absurd retries: the cap applies.
  const base = Math.min(policy.maxMs ?? Infinity, policy.initialMs * (policy.multiplier ?? 2) ** exponent);
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? base * (1 - jitter * random()) : base;
}

/** Options of {@link retry}. */
export interface RetryOptions extends BackoffPolicy {
  /** Most attempts, the first included. Default: no limit (until the error is not retried or aborted). */
  readonly attempts?: number;
  /** Whether an error is worth another attempt. Default: it carries `retriable: true`. */
  readonly retryIf?: (error: unknown) => boolean;
  /** Ends the wait in hand at once; the last error is then thrown. */
  readonly signal?: AbortSignal;
  /** Source of the jitter, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Told of each failure that will be retried, before its wait (for logs). */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  /** Runs after each wait, before the next attempt (a heartbeat, a metadata refresh). */
  readonly beforeRetry?: () => Promise<unknown>;
}

/** Whether an error says that trying again can succeed (`retriable: true`, as TradewatchError carries). */
export function isRetriableError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Calls `call` until it succeeds, its error is not retried, the attempts run out or `signal` aborts. */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryIf = options.retryIf ?? isRetriableError;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (error: unknown) {
      if (attempt >= (options.attempts ?? Infinity) || options.signal?.aborted === true || !retryIf(error)) {
        throw error;
      }
      const waitMs = backoffDelay(options, attempt, options.random);
      options.onRetry?.(error, attempt, waitMs);
      const waited = await delay(waitMs, true, options.signal ? { signal: options.signal } : {}).catch(
        () => false,
      );
      if (!waited) throw error;
      await options.beforeRetry?.();
    }
  }
}
