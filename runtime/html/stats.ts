/**
 * The small statistics the charts show: a least-squares line, rolling means and histogram bins. Pure.
 * Pearson's r is the ranking processors' (one definition in the codebase).
 */
import { pearson } from '../../processors/ranking/ranking-metrics.ts';

export { pearson };

/** A straight line y = intercept + slope × x. */
export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
}

/** The least-squares line through the pairs; null with fewer than 2 pairs or when x is constant. */
export function linearFit(x: readonly number[], y: readonly number[]): LinearFit | null {
  if (x.length !== y.length) throw new RangeError(`linearFit: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    sxy += dx * (y[i]! - my);
    sxx += dx * dx;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * The trailing mean over `window` positions ending at each position: position i averages the non-null
 * values among i − window + 1 … i (fewer at the start); null where that span holds no value.
 */
export function rollingMean(values: readonly (number | null)[], window: number): (number | null)[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`rollingMean: window must be a positive integer, got ${window}`);
  }
  const out: (number | null)[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const added = values[i];
    if (added !== null && added !== undefined) {
      sum += added;
      count++;
    }
    const dropped = i >= window ? values[i - window] : null;
    if (dropped !== null && dropped !== undefined) {
      sum -= dropped;
      count--;
    }
    // Recompute exactly when the window empties, so float drift never leaks into the next run of values.
    if (count === 0) sum = 0;
    out.push(count === 0 ? null : sum / count);
  }
  return out;
}

/** One histogram bin: values v with lo ≤ v < hi (the last bin also holds v = hi). */
export interface HistogramBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

/**
 * Equal-width bins spanning [min, max] of the finite values (non-finite ones are skipped). Default bin
 * count: ⌈√n⌉ clamped to 5…60. A constant series gives one bin; no values give none.
 */
export function histogramBins(values: readonly number[], bins?: number): HistogramBin[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [{ lo: min, hi: max, count: finite.length }];
  const n = bins ?? Math.min(60, Math.max(5, Math.ceil(Math.sqrt(finite.length))));
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`histogramBins: bins must be a positive integer, got ${n}`);
  const width = (max - min) / n;
  const counts = new Array<number>(n).fill(0);
  for (const v of finite) {
    const i = Math.min(n - 1, Math.floor((v - min) / width));
    counts[i]!++;
  }
  return counts.map((count, i) => ({
    lo: min + i * width,
    hi: i === n - 1 ? max : min + (i + 1) * width,
    count,
  }));
}
