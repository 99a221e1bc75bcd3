import type { EnvWindowState } from './env-window.ts';
import type { CompiledDrawdownOptions } from './options.ts';
import { emptySettledMarks, expireSettledMarks, settleMark } from './settled-marks.ts';

/**
 * The state of one (portfolio, env) as versions before the compact state wrote it to the changelog:
 * every mark of `(newest − windowMs − graceMs, newest]` from `head` on, each `[ts, equity, dayPeak,
 * dayMaxDrawdown]`, the newest dropped one, and two window aggregates (not needed: they are derived
 * from the marks).
 */
export interface LegacyEnvWindowState {
  marks: [ts: number, equity: number, dayPeak: number, dayMaxDrawdown: number][];
  head: number;
  dropped: [ts: number, equity: number, dayPeak: number, dayMaxDrawdown: number] | null;
  peak: unknown;
  maxDrawdown: unknown;
}

/** Whether an environment's restored state is in the earlier format. */
export function isLegacyEnvWindow(state: object): state is LegacyEnvWindowState {
  return 'marks' in state && 'head' in state;
}

/**
 * The compact state of a series from its earlier state: the same figures for every mark that follows.
 * The marks of the grace period are kept; the older ones are settled in order (their daily prefixes
 * were stored with them).
 */
export function fromLegacyEnvWindow(
  legacy: LegacyEnvWindowState,
  options: CompiledDrawdownOptions,
): EnvWindowState {
  const marks = legacy.marks.slice(legacy.head);
  const state: EnvWindowState = { ts: [], equity: [], day: [], settled: emptySettledMarks() };
  if (legacy.dropped !== null) {
    const [ts, , peak, maxDrawdown] = legacy.dropped;
    state.day.push(ts, peak, maxDrawdown);
  }
  const newest = marks[marks.length - 1]?.[0];
  if (newest === undefined) return state;
  const limit = newest - options.graceMs;
  for (const [ts, equity, peak, maxDrawdown] of marks) {
    if (ts < limit) {
      state.day[0] = ts;
      state.day[1] = peak;
      state.day[2] = maxDrawdown;
      settleMark(state.settled, ts, equity);
    } else {
      state.ts.push(ts);
      state.equity.push(equity);
    }
  }
  expireSettledMarks(state.settled, limit - options.windowMs);
  return state;
}
