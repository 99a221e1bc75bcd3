import { emptyEwma, ewmaMoments, foldEwma, type Ewma } from './ewma.ts';
import type { SeriesSettings } from './options.ts';
import {
  addToTrailingWindow,
  emptyTrailingWindow,
  expireTrailingWindow,
  trailingWindowMoments,
  type TrailingWindow,
} from './trailing-window.ts';

/**
 * The baseline of one series (strategy × env × metric): the EWMA mean and variance, the optional
 * trailing window and how many observations were folded in. JSON-serializable.
 */
export interface SeriesBaseline {
  ewma: Ewma;
  /** Observations folded in so far (all time, not decayed): what `min_observations` is compared with. */
  count: number;
  /** Null when the series has no trailing window configured. */
  window: TrailingWindow | null;
}

/** An observation and the baseline it was compared with (the baseline BEFORE the observation). */
export interface Deviation {
  readonly ts: number;
  readonly value: number;
  /** EWMA mean and std before the observation; null for the first observation. */
  readonly mean: number | null;
  readonly std: number | null;
  /** `(value − mean) / max(std, min_std)`; null before `min_observations` or when that divisor is 0. */
  readonly z: number | null;
  /** Trailing-window mean and std before the observation; null without a window or when it is empty. */
  readonly windowMean: number | null;
  readonly windowStd: number | null;
  /** Like `z` against the window, with the window's count compared with `min_observations`. */
  readonly windowZ: number | null;
  /** Observations folded in before this one. */
  readonly observations: number;
}

/** What became of an observation. */
export type Observed =
  | { readonly kind: 'observed'; readonly deviation: Deviation }
  /** Older than the series' newest observation by more than the grace period: not folded in. */
  | { readonly kind: 'late'; readonly newestTs: number; readonly lateByMs: number };

export function emptySeriesBaseline(): SeriesBaseline {
  return { ewma: emptyEwma(), count: 0, window: null };
}

/**
 * Compares `value` observed at `ts` with the series' baseline, then folds it in (in place). An
 * observation older than the newest by more than `settings.graceMs` is late: nothing changes.
 */
export function observe(
  baseline: SeriesBaseline,
  ts: number,
  value: number,
  settings: SeriesSettings,
): Observed {
  const newestTs = baseline.ewma.ts;
  if (newestTs !== null && newestTs - ts > settings.graceMs) {
    return { kind: 'late', newestTs, lateByMs: newestTs - ts };
  }
  syncWindow(baseline, settings);
  const observations = baseline.count;
  const enough = observations >= settings.minObservations;

  const moments = ewmaMoments(baseline.ewma);
  const z = enough && moments ? zScore(value, moments.mean, moments.std, settings.minStd) : null;

  let windowMean: number | null = null;
  let windowStd: number | null = null;
  let windowZ: number | null = null;
  if (baseline.window !== null) {
    if (newestTs === null || ts >= newestTs) expireTrailingWindow(baseline.window, ts);
    const inWindow = trailingWindowMoments(baseline.window);
    if (inWindow.count > 0) {
      windowMean = inWindow.mean;
      windowStd = inWindow.std;
      if (inWindow.count >= settings.minObservations) {
        windowZ = zScore(value, inWindow.mean, inWindow.std, settings.minStd);
      }
    }
    addToTrailingWindow(baseline.window, ts, value);
  }

  foldEwma(baseline.ewma, ts, value, settings.halfLifeMs);
  baseline.count = observations + 1;
  return {
    kind: 'observed',
    deviation: {
      ts,
      value,
      mean: moments?.mean ?? null,
      std: moments?.std ?? null,
      z,
      windowMean,
      windowStd,
      windowZ,
      observations,
    },
  };
}

/**
 * The z-score of `value` against `mean` and `std`, with `std` floored at `minStd`; null when the
 * divisor is 0 (a series that never varied has no scale to measure a deviation by: see README.md).
 */
export function zScore(value: number, mean: number, std: number, minStd: number): number | null {
  const divisor = Math.max(std, minStd);
  if (!(divisor > 0)) return null;
  const z = (value - mean) / divisor;
  return Number.isFinite(z) ? z : null;
}

/** Creates, keeps or (on a change of window or bucket size) restarts the series' trailing window. */
function syncWindow(baseline: SeriesBaseline, settings: SeriesSettings): void {
  const { windowMs, windowBucketMs } = settings;
  if (windowMs === null) baseline.window = null;
  else if (
    baseline.window === null ||
    baseline.window.windowMs !== windowMs ||
    baseline.window.bucketMs !== windowBucketMs
  ) {
    baseline.window = emptyTrailingWindow(windowMs, windowBucketMs);
  }
}
