import { appendToSegment, combineSegments, singleSegment, type SegmentSummary } from './segment-summary.ts';

/**
 * The max drawdown (peak before trough) of the values in a trailing event-time window, in amortized O(1)
 * per value, by two-stack sliding-window aggregation over the combinable {@link SegmentSummary}:
 *
 * - values are pushed on the back stack, whose one running summary covers all of it;
 * - the front stack holds older values, oldest on top; each entry keeps the summary of the values from
 *   itself to the newest value of the front stack, so popping the oldest leaves the right summary on top;
 * - to expire a value with the front stack empty, the whole back stack is moved onto it, newest first,
 *   computing those suffix summaries (O(n) once per value's lifetime, hence O(1) amortized);
 * - the window's summary is combine(top of front, back): every front value precedes every back value.
 *
 * Memory is bounded by the values in the window. The state is plain JSON (it lives in processor state).
 */
export interface SlidingMaxDrawdown {
  /** Older values, oldest last: `[ts, max, min, maxDrawdown]` of this value and the newer ones of the stack. */
  front: [ts: number, max: number, min: number, maxDrawdown: number][];
  /** Newer values in time order: `[ts, value]`. */
  back: [ts: number, value: number][];
  /** Summary of `back`; meaningless while `back` is empty (kept finite so that it survives JSON). */
  backSummary: SegmentSummary;
}

/** The summary of the window: maximum, minimum and max drawdown. */
export interface WindowSummary {
  readonly max: number;
  readonly min: number;
  readonly maxDrawdown: number;
}

/** An empty aggregator. */
export function emptySlidingMaxDrawdown(): SlidingMaxDrawdown {
  return { front: [], back: [], backSummary: [0, 0, 0] };
}

/** Adds a positive value observed at `ts`; `ts` must be >= every ts pushed before. */
export function pushSlidingMaxDrawdown(window: SlidingMaxDrawdown, ts: number, value: number): void {
  if (window.back.length === 0) window.backSummary = singleSegment(value);
  else appendToSegment(window.backSummary, value);
  window.back.push([ts, value]);
}

/** Drops the values observed at or before `cutoffTs` (a window `(cutoffTs, now]`). */
export function expireSlidingMaxDrawdown(window: SlidingMaxDrawdown, cutoffTs: number): void {
  for (;;) {
    if (window.front.length === 0) {
      if (window.back.length === 0 || (window.back[0] as [number, number])[0] > cutoffTs) return;
      flip(window);
    }
    const oldest = window.front[window.front.length - 1] as [number, number, number, number];
    if (oldest[0] > cutoffTs) return;
    window.front.pop();
  }
}

/** The summary of the values in the window, or undefined if it is empty. */
export function slidingMaxDrawdownSummary(window: SlidingMaxDrawdown): WindowSummary | undefined {
  const top = window.front[window.front.length - 1];
  if (top === undefined) {
    if (window.back.length === 0) return undefined;
    const [max, min, maxDrawdown] = window.backSummary;
    return { max, min, maxDrawdown };
  }
  const front: SegmentSummary = [top[1], top[2], top[3]];
  const [max, min, maxDrawdown] =
    window.back.length === 0 ? front : combineSegments(front, window.backSummary);
  return { max, min, maxDrawdown };
}

/** How many values the window holds. */
export function slidingMaxDrawdownSize(window: SlidingMaxDrawdown): number {
  return window.front.length + window.back.length;
}

/** Moves the back stack onto the (empty) front stack, newest first, with suffix summaries. */
function flip(window: SlidingMaxDrawdown): void {
  const { back, front } = window;
  // combine([value], suffix) written out: the new value is the earliest of the run.
  let max = 0;
  let min = 0;
  let maxDrawdown = 0;
  for (let i = back.length - 1; i >= 0; i -= 1) {
    const [ts, value] = back[i] as [number, number];
    if (i === back.length - 1) {
      max = value;
      min = value;
    } else {
      maxDrawdown = Math.max(maxDrawdown, 1 - min / value);
      if (value > max) max = value;
      if (value < min) min = value;
    }
    front.push([ts, max, min, maxDrawdown]);
  }
  window.back = [];
  window.backSummary = [0, 0, 0];
}
