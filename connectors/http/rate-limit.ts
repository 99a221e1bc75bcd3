/**
 * Rate limits as providers state them, and our own pace:
 * - response headers: `x-ratelimit-remaining` / `x-ratelimit-reset` (GitHub: reset in epoch seconds;
 *   CoinMetrics: seconds until the reset), their IETF-draft forms `ratelimit-remaining` /
 *   `ratelimit-reset`, and `Retry-After` (seconds or an HTTP date) on a 429 or 503;
 * - a token bucket for a published per-minute limit (Token Terminal: 60 requests a minute).
 */
import type { Clock } from '../../core/clock.ts';

/** A reset value above this is an epoch in seconds; below, seconds from now. */
const EPOCH_SECONDS_FLOOR = 1_000_000_000;

/** When the provider lets us send again, from a response's headers (epoch ms), or undefined. */
export function blockedUntil(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return now + Math.max(0, seconds) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(now, date);
  }
  const remaining = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (remaining !== null && Number(remaining) <= 0 && reset !== null && Number.isFinite(Number(reset))) {
    const value = Number(reset);
    return value >= EPOCH_SECONDS_FLOOR ? value * 1000 : now + value * 1000;
  }
  return undefined;
}

/** A token bucket: `perMinute` requests a minute, in bursts of at most `perMinute`. */
export class TokenBucket {
  readonly #perMinute: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(perMinute: number, clock: Clock) {
    this.#perMinute = perMinute;
    this.#clock = clock;
    this.#tokens = perMinute;
    this.#at = clock.now();
  }

  /** Takes a token: 0 if one was there, else how long to wait (ms) before asking again. */
  take(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#perMinute, this.#tokens + ((now - this.#at) * this.#perMinute) / 60_000);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 60_000) / this.#perMinute);
  }
}
