/**
 * The maximum of the values in a trailing event-time window, by a monotonic deque: amortized O(1) per
 * value, memory bounded by the values in the window (in practice far fewer: only values not dominated by
 * a later, larger one are kept).
 *
 * The deque holds `[ts, value]` entries in ts order whose values strictly decrease from the front: a new
 * value first removes from the back every entry whose value is <= it (an older value that is not larger
 * can never again be the maximum while the new one is in the window; on a tie the newer entry is kept
 * because it expires later). The front is then the maximum. Expiry pops entries from the front whose ts
 * left the window.
 *
 * The state is plain JSON (it lives in processor state): the front is at `head`, and the array is
 * compacted once an eighth of it is dead, so popping from the front stays O(1) amortized.
 */
export interface TrailingMax {
  /** Index of the front entry in `entries`; entries before it are expired (compacted away in bulk). */
  head: number;
  /** `[ts, value]`, ts ascending, values strictly descending from `head`. */
  entries: [ts: number, value: number][];
}

/** An empty trailing maximum. */
export function emptyTrailingMax(): TrailingMax {
  return { head: 0, entries: [] };
}

/** Adds a value observed at `ts`; `ts` must be >= every ts pushed before. */
export function pushTrailingMax(deque: TrailingMax, ts: number, value: number): void {
  const { entries } = deque;
  while (entries.length > deque.head && (entries[entries.length - 1] as [number, number])[1] <= value) {
    entries.pop();
  }
  entries.push([ts, value]);
}

/** Drops the values observed at or before `cutoffTs` (a window `(cutoffTs, now]`). */
export function expireTrailingMax(deque: TrailingMax, cutoffTs: number): void {
  const { entries } = deque;
  let head = deque.head;
  while (head < entries.length && (entries[head] as [number, number])[0] <= cutoffTs) head += 1;
  // Compacting once an eighth is dead keeps the serialized state small at O(1) amortized cost.
  if (head > 0 && (head === entries.length || (head >= 16 && head * 8 >= entries.length))) {
    entries.splice(0, head);
    head = 0;
  }
  deque.head = head;
}

/** The maximum of the values in the window, or undefined if it is empty. */
export function trailingMaxValue(deque: TrailingMax): number | undefined {
  return deque.entries[deque.head]?.[1];
}

/** How many entries the deque holds (not the number of values in the window). */
export function trailingMaxSize(deque: TrailingMax): number {
  return deque.entries.length - deque.head;
}
