/**
 * Waiting is injected like time: the rate limits and the retry backoff wait through a {@link Sleep},
 * so that tests move a ManualClock instead of waiting for real.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms` milliseconds, or less when `signal` aborts (it then resolves, it does not throw). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Real waiting on the event loop's timers. */
export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0 || signal?.aborted === true) return;
  await delay(ms, undefined, signal ? { signal } : {}).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'AbortError')) throw error;
  });
};
