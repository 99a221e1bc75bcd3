/**
 * What max drawdown needs to know of a run of values in time order: its maximum, its minimum and its
 * own max drawdown. Max drawdown is combinable over consecutive runs A then B:
 *
 *   MDD(A·B) = max(MDD(A), MDD(B), 1 − min(B) / max(A))
 *
 * since a peak-to-trough pair either lies inside A, inside B, or has its peak in A and its trough in B
 * (never the other way round: the peak comes before the trough). Because division and subtraction are
 * correctly rounded (hence monotone), the result is bit-for-bit the value a brute-force scan returns.
 */
export type SegmentSummary = [max: number, min: number, maxDrawdown: number];

/** The summary of a single value (positive). */
export function singleSegment(value: number): SegmentSummary {
  return [value, value, 0];
}

/** The summary of `earlier` followed by `later`. */
export function combineSegments(earlier: SegmentSummary, later: SegmentSummary): SegmentSummary {
  return [
    Math.max(earlier[0], later[0]),
    Math.min(earlier[1], later[1]),
    Math.max(earlier[2], later[2], 1 - later[1] / earlier[0]),
  ];
}

/** Appends one value to a summary, in place. */
export function appendToSegment(summary: SegmentSummary, value: number): void {
  if (value > summary[0]) summary[0] = value;
  if (value < summary[1]) summary[1] = value;
  const drawdown = 1 - value / summary[0];
  if (drawdown > summary[2]) summary[2] = drawdown;
}
