/**
 * The rolling stage's points by series, derived from a RollingState's cycles, so that a trailing mean
 * reads one series' values (not every cycle's points object) and, when its window only grew by the new
 * point, adds that point to the sum it had (one addition instead of the whole window).
 *
 * Exactness: the trailing mean is defined (`trailing()`) as the left-to-right sum, from 0, of the
 * series' values in cycle order over the window, divided by their count. The values here are in the
 * same order, and a kept sum is only extended when the window is the kept window plus the next value,
 * unchanged in between, which is the next step of that same left-to-right sum; anything else (the
 * window's first point moved, a point inserted before the end or replaced) sums the window afresh. So
 * every mean is the same double as `trailing()` gives, to the last bit
 * (test/processors/ranking/equality.test.ts checks it against the former implementation).
 */

/** A cycle of the rolling state (rolling-processor.ts's RollingCycle). */
interface SeriesCycle {
  readonly id: string;
  readonly ts: number;
  readonly points: Readonly<Record<string, number>>;
}

/** A window's sum as last computed: over the series' points from `first` to `last`, in order. */
interface KeptSum {
  readonly first: SeriesCycle;
  readonly last: SeriesCycle;
  readonly sum: number;
}

/** One series' points, in the state's cycle order (by ts, then cycle id). */
interface SeriesPoints {
  readonly cycles: SeriesCycle[];
  readonly ts: number[];
  readonly values: number[];
  /** By window (its index in the rolling windows); dropped whenever a point changes before the end. */
  kept: (KeptSum | undefined)[];
}

/** The trailing sum over a window: the sum of the values and how many there are. */
export interface WindowSum {
  readonly sum: number;
  readonly samples: number;
}

/** Whether cycle `c` comes before (or is) the place of a cycle (`ts`, `id`) in the state's order. */
const atOrBefore = (c: SeriesCycle, ts: number, id: string): boolean =>
  c.ts < ts || (c.ts === ts && c.id <= id);

/**
 * Where a cycle (`ts`, `id`) goes in `cycles` (ordered by ts, then id): one past the last cycle at or
 * before it, as `cycles.findLastIndex((c) => atOrBefore(c, ts, id)) + 1`, by binary search (the cycles
 * at or before it are a prefix of an ordered list).
 */
export function placeOf(cycles: readonly SeriesCycle[], ts: number, id: string): number {
  let lo = 0;
  let hi = cycles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrBefore(cycles[mid]!, ts, id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of the ascending `ts` whose value is greater than `bound` (ts.length if none). */
function firstAfter(ts: readonly number[], bound: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! > bound) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function append(points: SeriesPoints, cycle: SeriesCycle, value: number): void {
  points.cycles.push(cycle);
  points.ts.push(cycle.ts);
  points.values.push(value);
}

/** The points of one RollingState by series. */
export class RollingSeries {
  readonly #series = new Map<string, SeriesPoints>();

  /** The index of `cycles` (a state's cycles, in order). */
  static of(cycles: readonly SeriesCycle[]): RollingSeries {
    const index = new RollingSeries();
    for (const cycle of cycles) {
      for (const [series, value] of Object.entries(cycle.points)) append(index.#points(series), cycle, value);
    }
    return index;
  }

  #points(series: string): SeriesPoints {
    let points = this.#series.get(series);
    if (points === undefined) {
      points = { cycles: [], ts: [], values: [], kept: [] };
      this.#series.set(series, points);
    }
    return points;
  }

  /**
   * Mirrors `cycle.points[series] = value` on `cycle` (a cycle of the state): `replaced` when the cycle
   * already had a point of `series`.
   */
  set(cycle: SeriesCycle, series: string, value: number, replaced: boolean): void {
    const points = this.#points(series);
    if (replaced) {
      const at = points.cycles.lastIndexOf(cycle);
      if (at === -1) {
        throw new Error(
          `rolling series ${series}: cycle ${cycle.id} has a point but is not in the series' index (a bug in rolling-series.ts)`,
        );
      }
      points.values[at] = value;
      points.kept = [];
      return;
    }
    const at = placeOf(points.cycles, cycle.ts, cycle.id);
    if (at === points.cycles.length) {
      append(points, cycle, value);
      return;
    }
    points.cycles.splice(at, 0, cycle);
    points.ts.splice(at, 0, cycle.ts);
    points.values.splice(at, 0, value);
    points.kept = [];
  }

  /**
   * The sum and count of `series`' values with ts in (`from`, `to`], summed from 0 in order; the sum
   * is kept as window `window`'s, to be extended by the next call if only a point was added at its end.
   */
  sum(series: string, window: number, from: number, to: number): WindowSum {
    const points = this.#series.get(series);
    if (points === undefined) return { sum: 0, samples: 0 };
    const lo = firstAfter(points.ts, from);
    const hi = firstAfter(points.ts, to);
    if (hi <= lo) return { sum: 0, samples: 0 };
    const kept = points.kept[window];
    let sum: number;
    if (
      kept !== undefined &&
      hi - lo >= 2 &&
      kept.first === points.cycles[lo] &&
      kept.last === points.cycles[hi - 2]
    ) {
      sum = kept.sum + points.values[hi - 1]!;
    } else {
      sum = 0;
      for (let i = lo; i < hi; i++) sum += points.values[i]!;
    }
    points.kept[window] = { first: points.cycles[lo]!, last: points.cycles[hi - 1]!, sum };
    return { sum, samples: hi - lo };
  }

  /** Mirrors dropping the state's cycles with ts at or before `horizon`. */
  dropThrough(horizon: number): void {
    for (const [series, points] of this.#series) {
      const keep = firstAfter(points.ts, horizon);
      if (keep === 0) continue;
      if (keep === points.ts.length) {
        this.#series.delete(series);
        continue;
      }
      points.cycles.splice(0, keep);
      points.ts.splice(0, keep);
      points.values.splice(0, keep);
    }
  }

  /** Forgets every point. */
  clear(): void {
    this.#series.clear();
  }
}
