/**
 * Sending one notification with retries: exponential backoff between attempts (waiting at least what
 * the receiver's Retry-After asked), bounded in attempts and in time, on an injected clock and sleep.
 * Accepted and permanent results end it at once; retriable ones are retried until the bounds, then
 * returned for the caller to keep for later.
 */
import { backoffDelay } from '../../core/retry.ts';
import type { Clock } from '../../core/clock.ts';
import type { CompiledDeliveryPolicy } from './delivery-options.ts';
import type { DeliveryResult } from './types.ts';

export interface AttemptsOutcome {
  /** The last attempt's result. */
  readonly result: DeliveryResult;
  /** Attempts made. */
  readonly attempts: number;
  /** The caller is stopping: the last result was retriable and no more attempts were made. */
  readonly aborted: boolean;
}

export interface AttemptsContext {
  readonly clock: Clock;
  /** Waits between attempts (the runner heartbeats while waiting). Resolves early when `signal` aborts. */
  readonly wait: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Told of each retriable result before its wait (for logs). */
  readonly onRetry?: (result: DeliveryResult, attempt: number, waitMs: number) => void;
  /** At most this many attempts, if fewer than the policy's (a probe makes one). */
  readonly maxAttempts?: number;
}

/**
 * Calls `send` until it is accepted or refused for good, or the policy's attempts or time run out.
 * Wait before attempt n+1: max(initial × multiplier^(n−1) capped at maxBackoff, Retry-After).
 */
export async function deliverWithRetries(
  send: () => Promise<DeliveryResult>,
  policy: CompiledDeliveryPolicy,
  context: AttemptsContext,
): Promise<AttemptsOutcome> {
  const { clock } = context;
  const maxAttempts = Math.min(policy.maxAttempts, context.maxAttempts ?? policy.maxAttempts);
  const started = clock.now();
  // A function, not a property read: the signal changes while we wait.
  const aborted = () => context.signal?.aborted === true;
  const backoff = {
    initialMs: policy.initialBackoffMs,
    maxMs: policy.maxBackoffMs,
    multiplier: policy.backoffMultiplier,
  };
  for (let attempt = 1; ; attempt += 1) {
    const result = await send();
    if (result.outcome !== 'retriable' || attempt >= maxAttempts) {
      return { result, attempts: attempt, aborted: false };
    }
    const waitMs = Math.max(backoffDelay(backoff, attempt), result.retryAfterMs ?? 0);
    if (clock.now() - started + waitMs > policy.maxElapsedMs)
      return { result, attempts: attempt, aborted: false };
    if (aborted()) return { result, attempts: attempt, aborted: true };
    context.onRetry?.(result, attempt, waitMs);
    await context.wait(waitMs);
    if (aborted()) return { result, attempts: attempt, aborted: true };
  }
}
