/**
 * The mean and standard deviation of the observations in a trailing event-time window, kept as a
 * bounded list of time buckets rather than of observations: memory (and the state written to the
 * changelog) is at most window / bucket entries however often the series is observed.
 *
 * - Bucket b(t) = the start of the `bucketMs` slot holding t (aligned to the epoch).
 * - The window of time t holds the observations whose bucket starts after b(t) − window, i.e. the
 *   window/bucket buckets ending with t's own: exactly (t − window, t] when observations fall on
 *   bucket boundaries (daily PnL with daily buckets), otherwise up to one bucket shorter.
 * - Each bucket keeps `[start, count, mean, m2]` (Welford); buckets combine exactly (Chan et al.):
 *   n = n_a + n_b, δ = mean_b − mean_a, mean = mean_a + δ·n_b/n, m2 = m2_a + m2_b + δ²·n_a·n_b/n.
 * - Mean and std are of the population (std = √(m2 / n)), like the EWMA baseline's.
 *
 * Pure and JSON-serializable; the window follows the newest time seen (it never moves back).
 */
export interface TrailingWindow {
  /** The window and bucket the buckets were made for; a change of configuration starts afresh. */
  windowMs: number;
  bucketMs: number;
  /** `[start, count, mean, m2]`, ascending by start, non-empty buckets only. */
  buckets: [start: number, count: number, mean: number, m2: number][];
}

/** Count, mean and population std of the observations in a window. */
export interface WindowMoments {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
}

export function emptyTrailingWindow(windowMs: number, bucketMs: number): TrailingWindow {
  return { windowMs, bucketMs, buckets: [] };
}

function bucketOf(ts: number, bucketMs: number): number {
  return ts - (((ts % bucketMs) + bucketMs) % bucketMs);
}

/** Drops the buckets that left the window of time `ts` (a later time than every one before). */
export function expireTrailingWindow(window: TrailingWindow, ts: number): void {
  const cutoff = bucketOf(ts, window.bucketMs) - window.windowMs;
  let drop = 0;
  while (drop < window.buckets.length && window.buckets[drop]![0] <= cutoff) drop += 1;
  if (drop > 0) window.buckets.splice(0, drop);
}

/** The moments of the observations in the window now (after expiry); count 0 when it is empty. */
export function trailingWindowMoments(window: TrailingWindow): WindowMoments {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const [, n, bucketMean, bucketM2] of window.buckets) {
    if (count === 0) {
      [count, mean, m2] = [n, bucketMean, bucketM2];
      continue;
    }
    const total = count + n;
    const delta = bucketMean - mean;
    mean += (delta * n) / total;
    m2 += bucketM2 + (delta * delta * count * n) / total;
    count = total;
  }
  return { count, mean, std: count > 0 ? Math.sqrt(Math.max(0, m2 / count)) : 0 };
}

/**
 * Adds `value` observed at `ts` to its bucket, unless that bucket already left the window of the
 * newest bucket (an out-of-order observation that old counts for the EWMA but not for the window).
 */
export function addToTrailingWindow(window: TrailingWindow, ts: number, value: number): void {
  const start = bucketOf(ts, window.bucketMs);
  const newest = window.buckets.at(-1)?.[0];
  if (newest !== undefined && start <= newest - window.windowMs) return;
  let index = window.buckets.length;
  while (index > 0 && window.buckets[index - 1]![0] > start) index -= 1;
  const existing = window.buckets[index - 1];
  if (existing !== undefined && existing[0] === start) {
    const n = existing[1] + 1;
    const delta = value - existing[2];
    existing[2] += delta / n;
    existing[3] += delta * (value - existing[2]);
    existing[1] = n;
  } else window.buckets.splice(index, 0, [start, 1, value, 0]);
}
