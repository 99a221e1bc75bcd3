/**
 * Time is injected: processors, timers and tests ask a Clock, never `Date.now()` directly, so tests and
 * backtests replay history on a virtual clock and get the same answers every run.
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that moves only when told to, for tests and backtests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock forward by `ms` (never backward). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`a clock does not go back (advance by ${ms} ms)`);
    this.#now += ms;
  }

  /** Sets the time; must not be earlier than now. */
  set(epochMs: number): void {
    this.advance(epochMs - this.#now);
  }
}
