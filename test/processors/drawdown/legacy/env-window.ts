import type { CompiledDrawdownOptions } from '../../../../processors/drawdown/options.ts';
import {
  emptySlidingMaxDrawdown,
  expireSlidingMaxDrawdown,
  pushSlidingMaxDrawdown,
  slidingMaxDrawdownSummary,
  type SlidingMaxDrawdown,
} from './sliding-max-drawdown.ts';
import {
  emptyTrailingMax,
  expireTrailingMax,
  pushTrailingMax,
  trailingMaxValue,
  type TrailingMax,
} from './trailing-max.ts';
import { sameUtcDay } from '../../../../processors/drawdown/utc-day.ts';

/**
 * The drawdown state of one (portfolio, env): the marks it may still need and the trailing-window
 * aggregates of the current window.
 *
 * - `marks` keeps every mark in `(newest − windowMs − graceMs, newest]`, sorted by ts, one per ts, each
 *   with its daily prefix (peak and max drawdown since 00:00 UTC, itself included). That is enough to
 *   compute the figures of any mark that can still arrive (one within the grace period sees the marks in
 *   `(ts − windowMs, ts]`) and to fold it in.
 * - `peak` (monotonic deque) and `maxDrawdown` (two-stack aggregation) cover `(newest − windowMs, newest]`
 *   and give the trailing figures of an in-order mark in amortized O(1).
 * - A mark within the grace period but older than the newest (or a restatement of a mark's equity)
 *   is inserted in `marks`, the daily prefixes after it are recomputed (only marks within the grace
 *   period follow it) and the two window aggregates are rebuilt from `marks`: O(marks in the window),
 *   acceptable because late marks are rare. Its own figures are computed by a scan of the marks with
 *   ts <= its ts, which gives bit-for-bit the values the aggregates would have given.
 */
export interface EnvWindowState {
  /** Retained marks from index `head`, ts ascending and unique. */
  marks: RetainedMark[];
  /** Index of the oldest retained mark; earlier entries are dropped (compacted once an eighth is dead). */
  head: number;
  /** The newest mark dropped from `marks`: its daily prefix continues into the retained marks. */
  dropped: RetainedMark | null;
  /** Trailing maximum of the equity over the window of the newest mark. */
  peak: TrailingMax;
  /** Trailing max drawdown of the equity over the window of the newest mark. */
  maxDrawdown: SlidingMaxDrawdown;
}

/** `[ts, equity, peak since 00:00 UTC, max drawdown since 00:00 UTC]`, the daily figures including this mark. */
export type RetainedMark = [ts: number, equity: number, dayPeak: number, dayMaxDrawdown: number];

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
      /** Whether a retained mark has the same ts and equity (a replay of a mark already folded in). */
      readonly duplicate: boolean;
    };

/** The state of an (portfolio, env) before its first mark. */
export function emptyEnvWindow(): EnvWindowState {
  return {
    marks: [],
    head: 0,
    dropped: null,
    peak: emptyTrailingMax(),
    maxDrawdown: emptySlidingMaxDrawdown(),
  };
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
  const last = state.marks[state.marks.length - 1];
  if (last === undefined || ts > last[0]) {
    return { kind: 'accepted', figures: append(state, ts, equity, options), duplicate: false };
  }
  const newestTs = last[0];
  const index = lowerBound(state, ts);
  const same = state.marks[index];
  const duplicate = same !== undefined && same[0] === ts && same[1] === equity;
  const lateByMs = newestTs - ts;
  if (lateByMs > options.graceMs) return { kind: 'late', newestTs, lateByMs, duplicate };
  if (!duplicate) {
    // A restatement (same ts, new equity) replaces the mark, like the sink's upsert on (portfolio, env, ts).
    if (same !== undefined && same[0] === ts) state.marks[index] = [ts, equity, 0, 0];
    else state.marks.splice(index, 0, [ts, equity, 0, 0]);
    recomputeDailyFrom(state, index);
    if (ts > newestTs - options.windowMs) rebuildWindow(state, newestTs, options);
  }
  return { kind: 'accepted', figures: figuresAt(state, index, options), duplicate };
}

/** The newest mark's ts, or undefined before the first mark. */
export function newestTs(state: EnvWindowState): number | undefined {
  return state.marks[state.marks.length - 1]?.[0];
}

/** How many marks the state retains. */
export function retainedCount(state: EnvWindowState): number {
  return state.marks.length - state.head;
}

/** The in-order path: amortized O(1). */
function append(
  state: EnvWindowState,
  ts: number,
  equity: number,
  options: CompiledDrawdownOptions,
): DrawdownFigures {
  const mark: RetainedMark = [ts, equity, 0, 0];
  setDailyPrefix(mark, state.marks[state.marks.length - 1] ?? state.dropped);
  state.marks.push(mark);

  const cutoff = ts - options.windowMs;
  pushTrailingMax(state.peak, ts, equity);
  expireTrailingMax(state.peak, cutoff);
  pushSlidingMaxDrawdown(state.maxDrawdown, ts, equity);
  expireSlidingMaxDrawdown(state.maxDrawdown, cutoff);
  dropOlderThan(state, cutoff - options.graceMs);

  // Both aggregates hold at least this mark.
  const peakWindow = trailingMaxValue(state.peak) as number;
  const maxDrawdownWindow = (slidingMaxDrawdownSummary(state.maxDrawdown) as { maxDrawdown: number })
    .maxDrawdown;
  return figures(mark, peakWindow, maxDrawdownWindow);
}

/** The figures of the retained mark at `index` against the marks with ts <= its ts, by a scan. */
function figuresAt(state: EnvWindowState, index: number, options: CompiledDrawdownOptions): DrawdownFigures {
  const mark = state.marks[index] as RetainedMark;
  const [ts] = mark;
  let peakWindow = 0;
  let maxDrawdownWindow = 0;
  for (let i = lowerBound(state, ts - options.windowMs + 1); i <= index; i += 1) {
    const value = (state.marks[i] as RetainedMark)[1];
    if (value > peakWindow) peakWindow = value;
    const drawdown = 1 - value / peakWindow;
    if (drawdown > maxDrawdownWindow) maxDrawdownWindow = drawdown;
  }
  return figures(mark, peakWindow, maxDrawdownWindow);
}

/** Sets a mark's daily prefix from the mark before it (retained or dropped), if on the same UTC day. */
function setDailyPrefix(mark: RetainedMark, previous: RetainedMark | null): void {
  const equity = mark[1];
  if (previous === null || !sameUtcDay(previous[0], mark[0])) {
    mark[2] = equity;
    mark[3] = 0;
    return;
  }
  const peak = Math.max(previous[2], equity);
  mark[2] = peak;
  mark[3] = Math.max(previous[3], 1 - equity / peak);
}

function recomputeDailyFrom(state: EnvWindowState, index: number): void {
  for (let i = index; i < state.marks.length; i += 1) {
    const previous = i > state.head ? (state.marks[i - 1] as RetainedMark) : state.dropped;
    setDailyPrefix(state.marks[i] as RetainedMark, previous);
  }
}

/** Rebuilds both window aggregates from the retained marks in `(newestTs − windowMs, newestTs]`. */
function rebuildWindow(state: EnvWindowState, newest: number, options: CompiledDrawdownOptions): void {
  state.peak = emptyTrailingMax();
  state.maxDrawdown = emptySlidingMaxDrawdown();
  for (let i = lowerBound(state, newest - options.windowMs + 1); i < state.marks.length; i += 1) {
    const [ts, equity] = state.marks[i] as RetainedMark;
    pushTrailingMax(state.peak, ts, equity);
    pushSlidingMaxDrawdown(state.maxDrawdown, ts, equity);
  }
}

/** Drops the marks with ts <= cutoff, keeping the last one dropped for its daily prefix. */
function dropOlderThan(state: EnvWindowState, cutoff: number): void {
  const { marks } = state;
  let head = state.head;
  while (head < marks.length - 1 && (marks[head] as RetainedMark)[0] <= cutoff) {
    state.dropped = marks[head] as RetainedMark;
    head += 1;
  }
  // Compacting once an eighth is dead keeps the serialized state small at O(1) amortized cost.
  if (head > 0 && (head === marks.length || (head >= 16 && head * 8 >= marks.length))) {
    marks.splice(0, head);
    head = 0;
  }
  state.head = head;
}

/** Index of the first retained mark with ts >= `ts` (marks.length if none). */
function lowerBound(state: EnvWindowState, ts: number): number {
  let low = state.head;
  let high = state.marks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((state.marks[mid] as RetainedMark)[0] < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A mark's figures from its window's peak and max drawdown and its own daily prefix. */
function figures(mark: RetainedMark, peakWindow: number, maxDrawdownWindow: number): DrawdownFigures {
  const [, equity, peakDaily, maxDrawdownDaily] = mark;
  return {
    peakWindow,
    drawdownWindow: 1 - equity / peakWindow,
    maxDrawdownWindow,
    peakDaily,
    drawdownDaily: 1 - equity / peakDaily,
    maxDrawdownDaily,
  };
}
