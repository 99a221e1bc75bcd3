/**
 * The series the report draws, read off a BacktestResult. Pure: the same result gives the same
 * series, and the tests count a chart's points from these.
 */
import { rollingMean, type TimePoint } from '../../runtime/html/index.ts';
import type { BacktestPeriod, BacktestResult } from '../result.ts';

const DAY_MS = 86_400_000;

/** The Ks of the run, in numeric order: those of the metrics and of any period. */
export function ksOf(result: BacktestResult): string[] {
  const keys = new Set(Object.keys(result.metrics.precision_at_k));
  for (const p of result.periods) for (const k of Object.keys(p.precisionAtK)) keys.add(k);
  return [...keys].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}

/** The median gap between consecutive rebalances (ms), or null with fewer than 2 periods. */
export function periodStep(periods: readonly BacktestPeriod[]): number | null {
  if (periods.length < 2) return null;
  const gaps = periods.slice(1).map((p, i) => p.t - periods[i]!.t);
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/** How many periods a rolling mean spans, and how that reads. */
export interface RollingWindow {
  readonly periods: number;
  readonly label: string;
}

/**
 * The rolling window: 7 days of periods (30 days when the periods are a day or longer), at least 2
 * and at most a fifth of the run, so a short run still shows a trend.
 */
export function rollingWindow(periods: readonly BacktestPeriod[]): RollingWindow {
  const step = periodStep(periods);
  const n = periods.length;
  const span = step !== null && step >= DAY_MS ? 30 * DAY_MS : 7 * DAY_MS;
  const wanted = step === null || step <= 0 ? 2 : Math.round(span / step);
  const count = Math.max(2, Math.min(wanted, Math.floor(n / 5)));
  const days = step === null ? null : (count * step) / DAY_MS;
  const about =
    days === null ? '' : days >= 1 ? ` ≈ ${+days.toFixed(1)} days` : ` ≈ ${+(days * 24).toFixed(1)} hours`;
  return { periods: count, label: `mean of the last ${count} periods${about}` };
}

/** A value per period, at its rebalance time. */
export function perPeriod(result: BacktestResult, value: (p: BacktestPeriod) => number | null): TimePoint[] {
  return result.periods.map((p) => [p.t, value(p)] as const);
}

/** The rolling mean of a per-period series, at the same times. */
export function rolling(points: readonly TimePoint[], window: number): TimePoint[] {
  const means = rollingMean(
    points.map(([, v]) => v),
    window,
  );
  return points.map(([t], i) => [t, means[i] ?? null] as const);
}

/** The periods' precision@K for one K (null where undefined or absent). */
export function precisionSeries(result: BacktestResult, k: string): TimePoint[] {
  return perPeriod(result, (p) => p.precisionAtK[k] ?? null);
}

/** The K the scatter uses: the selection's k (`config.selection.k`) if the run has it, else the largest K. */
export function scatterK(result: BacktestResult): string | null {
  const ks = ksOf(result);
  const selected = selectionK(result.manifest.config);
  if (selected !== null && ks.includes(selected)) return selected;
  return ks.at(-1) ?? null;
}

/** (precision@K, period return) for the periods where precision@K is defined. */
export function precisionReturnPairs(result: BacktestResult, k: string): [number, number][] {
  const pairs: [number, number][] = [];
  for (const p of result.periods) {
    const precision = p.precisionAtK[k];
    if (precision !== null && precision !== undefined) pairs.push([precision, p.return]);
  }
  return pairs;
}

/** (IC, period return) for the periods where the IC is defined. */
export function icReturnPairs(result: BacktestResult): [number, number][] {
  return result.periods.flatMap((p) => (p.ic === null ? [] : [[p.ic, p.return] as [number, number]]));
}

/** Reads `selection.k` from the config as run, if it has one. */
function selectionK(config: unknown): string | null {
  const selection = field(config, 'selection');
  const k = field(selection, 'k');
  return typeof k === 'number' ? String(k) : null;
}

/** `value[key]` when value is an object, else undefined (the config is untyped here). */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
