/**
 * Signals, point in time: the value of `signal:<source>.<name>` for an asset at decision time t is the
 * latest value with event time ≤ t among the rows known at t (ingested_at ≤ t), no older than the
 * factor's max_age (t − event time ≤ max_age). Of several revisions of one event time, the one known
 * last (by t) wins.
 */
import type { HistorySignal } from './inputs.ts';

export interface Series {
  /** Sorted by (eventTime, ingestedAt) ascending. */
  readonly eventTime: Float64Array;
  readonly ingestedAt: Float64Array;
  readonly value: Float64Array;
}

export class SignalIndex {
  readonly #series = new Map<string, Map<string, Series>>();

  /** Indexes the rows of the signals named `names` (`<source>.<name>`). */
  constructor(rows: readonly HistorySignal[], names: ReadonlySet<string>) {
    const grouped = new Map<string, Map<string, HistorySignal[]>>();
    // By source, then name: no `<source>.<name>` string built per row.
    const wanted = new Map<string, Map<string, Map<string, HistorySignal[]> | null>>();
    for (const row of rows) {
      let bySource = wanted.get(row.source);
      if (bySource === undefined) {
        wanted.set(row.source, (bySource = new Map<string, Map<string, HistorySignal[]> | null>()));
      }
      let byAsset = bySource.get(row.name);
      if (byAsset === undefined) {
        const name = `${row.source}.${row.name}`;
        byAsset = names.has(name) ? (grouped.get(name) ?? new Map<string, HistorySignal[]>()) : null;
        if (byAsset !== null) grouped.set(name, byAsset);
        bySource.set(row.name, byAsset);
      }
      if (byAsset === null) continue;
      let list = byAsset.get(row.asset);
      if (list === undefined) byAsset.set(row.asset, (list = []));
      list.push(row);
    }
    for (const [name, byAsset] of grouped) {
      const series = new Map<string, Series>();
      for (const [asset, list] of byAsset) {
        list.sort((a, b) => a.eventTime - b.eventTime || a.ingestedAt - b.ingestedAt);
        series.set(asset, {
          eventTime: Float64Array.from(list, (r) => r.eventTime),
          ingestedAt: Float64Array.from(list, (r) => r.ingestedAt),
          value: Float64Array.from(list, (r) => r.value),
        });
      }
      this.#series.set(name, series);
    }
  }

  /** The assets with any row of signal `name`. */
  assets(name: string): Iterable<string> {
    return this.#series.get(name)?.keys() ?? [];
  }

  /** The rows of signal `name` for `asset`, or undefined. */
  series(name: string, asset: string): Series | undefined {
    return this.#series.get(name)?.get(asset);
  }

  /** The value of signal `name` for `asset` at t (see the file's comment), or undefined. */
  valueAt(name: string, asset: string, t: number, maxAgeMs: number | null): number | undefined {
    const s = this.#series.get(name)?.get(asset);
    return s === undefined ? undefined : valueIn(s, t, maxAgeMs);
  }
}

/** The value of one asset's series at t (see the file's comment), or undefined. */
export function valueIn(s: Series, t: number, maxAgeMs: number | null): number | undefined {
  return valueBefore(s, rowsUpTo(s, t, 0), t, maxAgeMs);
}

/** How many rows have eventTime ≤ t, searching from `from` (a count known to be ≤ the answer). */
export function rowsUpTo(s: Series, t: number, from: number): number {
  let lo = from;
  let hi = s.eventTime.length;
  // A few steps on first (the usual move between two rebalances), then a binary search.
  for (let step = 0; step < 4 && lo < hi; step++, lo++) if (s.eventTime[lo]! > t) return lo;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.eventTime[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value at t given `upTo` = {@link rowsUpTo}(s, t). */
export function valueBefore(s: Series, upTo: number, t: number, maxAgeMs: number | null): number | undefined {
  for (let i = upTo - 1; i >= 0; i--) {
    if (maxAgeMs !== null && t - s.eventTime[i]! > maxAgeMs) return undefined;
    if (s.ingestedAt[i]! <= t) return s.value[i];
  }
  return undefined;
}
