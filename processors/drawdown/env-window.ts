import type { CompiledDrawdownOptions } from './options.ts';
import {
  emptySettledMarks,
  expireSettledMarks,
  isSettledStep,
  settledStepCount,
  settledSummaryAfter,
  settleMark,
  type SettledMarks,
} from './settled-marks.ts';
import { sameUtcDay, utcDayStart } from './utc-day.ts';

/**
 * The drawdown state of one (portfolio, env), compact: what the figures of every mark that can still be
 * accepted need, and no more.
 *
 * - `ts`/`equity`: the marks of the grace period, `[newest − graceMs, newest]`, ts ascending, one per
 *   ts. A mark can still arrive among them (out of order) or restate one of them, so they are kept as
 *   they are. Their daily figures are folded from `day` when needed.
 * - `day`: the daily prefix of the newest mark older than those (settled): `[ts, peak since 00:00 UTC,
 *   max drawdown since 00:00 UTC]`, each including that mark; empty before the first settled mark.
 * - `settled`: of the settled marks a window that can still come may reach (ts > newest − graceMs −
 *   windowMs), only the steps of their maximum and max drawdown (`settled-marks.ts`).
 *
 * A mark's figures: the settled summary of its window's span, then a scan of the grace period's marks up
 * to its own (O(marks in the grace period)); a mark in order settles the marks that left the grace
 * period (O(steps) each). Every figure is bit-for-bit what a scan of all the marks in ts order gives.
 */
export interface EnvWindowState {
  /** ts of the marks of the grace period, ascending and unique; never empty once created. */
  ts: number[];
  /** Their equities. */
  equity: number[];
  /** `[ts, dayPeak, dayMaxDrawdown]` of the newest settled mark, or empty. */
  day: number[];
  settled: SettledMarks;
}

/** The figures of one mark, as fractions of equity (0.05 = 5%) and equities in the portfolio's currency. */
export interface DrawdownFigures {
  /** Highest equity over the marks in `(ts − windowMs, ts]`. */
  readonly peakWindow: number;
  /** `1 − equity / peakWindow`. */
  readonly drawdownWindow: number;
  /** Largest peak-to-later-trough drawdown over the marks in `(ts − windowMs, ts]`. */
  readonly maxDrawdownWindow: number;
  /** Highest equity over the marks since 00:00 UTC of the mark's day, up to ts. */
  readonly peakDaily: number;
  /** `1 − equity / peakDaily`. */
  readonly drawdownDaily: number;
  /** Largest peak-to-later-trough drawdown over the marks since 00:00 UTC, up to ts. */
  readonly maxDrawdownDaily: number;
}

/** What became of a mark. */
export type Observation =
  /** Folded in (or a repeat of a mark already folded in: state unchanged); these are its figures. */
  | { readonly kind: 'accepted'; readonly figures: DrawdownFigures; readonly duplicate: boolean }
  /** Older than the newest mark by more than the grace period: not folded in. */
  | {
      readonly kind: 'late';
      readonly newestTs: number;
      readonly lateByMs: number;
      /** Whether the state still knows a mark with the same ts and equity (a replay of one folded in). */
      readonly duplicate: boolean;
    };

/** The state of an (portfolio, env) before its first mark. */
export function emptyEnvWindow(): EnvWindowState {
  return { ts: [], equity: [], day: [], settled: emptySettledMarks() };
}

/**
 * Folds a valid mark (safe-integer ts, positive finite equity) into the state and returns its figures,
 * or says it is late. A late mark leaves the state unchanged.
 */
export function observeMark(
  state: EnvWindowState,
  ts: number,
  equity: number,
  options: CompiledDrawdownOptions,
): Observation {
  const newest = newestTs(state);
  if (newest === undefined || ts > newest) {
    state.ts.push(ts);
    state.equity.push(equity);
    settleOlderThan(state, ts - options.graceMs, options);
    return { kind: 'accepted', figures: figuresAt(state, state.ts.length - 1, options), duplicate: false };
  }
  const lateByMs = newest - ts;
  if (lateByMs > options.graceMs) {
    // Older than every mark of the grace period: only a settled step can be the same mark.
    return { kind: 'late', newestTs: newest, lateByMs, duplicate: isSettledStep(state.settled, ts, equity) };
  }
  const index = lowerBound(state.ts, ts);
  const same = state.ts[index] === ts;
  const duplicate = same && state.equity[index] === equity;
  if (!duplicate) {
    // A restatement (same ts, new equity) replaces the mark, like the sink's upsert on (portfolio, env, ts).
    if (same) state.equity[index] = equity;
    else {
      state.ts.splice(index, 0, ts);
      state.equity.splice(index, 0, equity);
    }
  }
  return { kind: 'accepted', figures: figuresAt(state, index, options), duplicate };
}

/** The newest mark's ts, or undefined before the first mark. */
export function newestTs(state: EnvWindowState): number | undefined {
  return state.ts[state.ts.length - 1];
}

/** How many marks the state keeps as they are (those of the grace period). */
export function retainedCount(state: EnvWindowState): number {
  return state.ts.length;
}

/** How many settled steps the state keeps. */
export function settledCount(state: EnvWindowState): number {
  return settledStepCount(state.settled);
}

/**
 * Settles the marks with ts < `limit` (they left the grace period: none can arrive before them any more)
 * and forgets the settled steps no window that can still come reaches.
 */
function settleOlderThan(state: EnvWindowState, limit: number, options: CompiledDrawdownOptions): void {
  const { ts, equity, day } = state;
  let n = 0;
  while (n < ts.length && (ts[n] as number) < limit) {
    const t = ts[n] as number;
    const value = equity[n] as number;
    let peak = value;
    let maxDrawdown = 0;
    if (day.length !== 0 && sameUtcDay(day[0] as number, t)) {
      peak = Math.max(day[1] as number, value);
      maxDrawdown = Math.max(day[2] as number, 1 - value / peak);
    }
    day[0] = t;
    day[1] = peak;
    day[2] = maxDrawdown;
    settleMark(state.settled, t, value);
    n += 1;
  }
  if (n > 0) {
    ts.splice(0, n);
    equity.splice(0, n);
  }
  // A mark can still arrive at `limit` (exactly graceMs behind the newest); its window starts after
  // `limit − windowMs`.
  expireSettledMarks(state.settled, limit - options.windowMs);
}

/**
 * The figures of the grace-period mark at `index` against the marks with ts <= its ts: the settled
 * summary of its window and the day prefix of the newest settled mark (if of the same day), then the
 * grace period's marks in ts order, each a fold from 0 as a scan from the window's or the day's start
 * would (a first value v gives peak v and drawdown 1 − v / v = 0).
 */
function figuresAt(state: EnvWindowState, index: number, options: CompiledDrawdownOptions): DrawdownFigures {
  const { ts, equity, day } = state;
  const markTs = ts[index] as number;
  const windowStart = markTs - options.windowMs; // the window is (windowStart, markTs]
  const dayStart = utcDayStart(markTs); // the day is [dayStart, markTs]
  const settled = settledSummaryAfter(state.settled, windowStart);
  let peakWindow = settled?.max ?? 0;
  let maxDrawdownWindow = settled?.maxDrawdown ?? 0;
  // The newest settled mark's daily prefix, if it is of the mark's day (it is older than the mark).
  const sameDay = day.length !== 0 && (day[0] as number) >= dayStart;
  let peakDaily = sameDay ? (day[1] as number) : 0;
  let maxDrawdownDaily = sameDay ? (day[2] as number) : 0;
  for (let i = 0; i <= index; i += 1) {
    const t = ts[i] as number;
    const value = equity[i] as number;
    if (t > windowStart) {
      if (value > peakWindow) peakWindow = value;
      const drawdown = 1 - value / peakWindow;
      if (drawdown > maxDrawdownWindow) maxDrawdownWindow = drawdown;
    }
    if (t >= dayStart) {
      if (value > peakDaily) peakDaily = value;
      const drawdown = 1 - value / peakDaily;
      if (drawdown > maxDrawdownDaily) maxDrawdownDaily = drawdown;
    }
  }
  const value = equity[index] as number;
  return {
    peakWindow,
    drawdownWindow: 1 - value / peakWindow,
    maxDrawdownWindow,
    peakDaily,
    drawdownDaily: 1 - value / peakDaily,
    maxDrawdownDaily,
  };
}

/** Index of the first ts >= `ts` (ts.length if none). */
function lowerBound(sorted: readonly number[], ts: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}
