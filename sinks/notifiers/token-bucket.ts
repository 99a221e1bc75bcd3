/**
 * A token bucket: at most `ratePerSecond` takes per second on average, `burst` at once. Slack allows
 * one message per second per incoming webhook, so the Slack notifier keeps one bucket per webhook.
 * Time comes from an injected clock and waiting from an injected sleep, so tests measure the spacing
 * on a ManualClock. Takers are served in arrival order.
 */
import { SerialQueue } from '../../core/serial-queue.ts';
import type { Clock } from '../../core/clock.ts';
import type { Sleep } from './sleep.ts';

export interface TokenBucketOptions {
  /** Tokens added per second. Must be > 0. */
  readonly ratePerSecond: number;
  /** Most tokens held at once (and held at the start). Default 1. */
  readonly burst?: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
}

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  #tokens: number;
  #refilledAt: number;
  #pausedUntil = 0;
  /** Takers wait for the previous one's turn, so they are served in order. */
  readonly #takers = new SerialQueue();

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0))
      throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    this.#rate = options.ratePerSecond;
    this.#burst = Math.max(1, options.burst ?? 1);
    this.#clock = options.clock;
    this.#sleep = options.sleep;
    this.#tokens = this.#burst;
    this.#refilledAt = options.clock.now();
  }

  /** Waits until a token is there (and any pause is over), then takes it. */
  take(): Promise<void> {
    return this.#takers.run(() => this.#takeNow());
  }

  /**
   * Holds every taker for `ms` from now (a receiver's Retry-After): the bucket refills meanwhile, but
   * nothing is taken before the pause ends.
   */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  async #takeNow(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      this.#refill(now);
      if (this.#pausedUntil > now) {
        await this.#sleep(this.#pausedUntil - now);
        continue;
      }
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
    }
  }

  #refill(now: number): void {
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#refilledAt = now;
  }
}
