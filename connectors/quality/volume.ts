/**
 * Volume: a run's row count against the connector's own recent runs, as a z-score. A collapse (far
 * fewer rows than usual) is a strongly negative z-score; with fewer than three earlier runs, there is no score. The spread is at least one row, so that a connector whose runs
 * always bring the same count still scores a collapse (finite, strongly negative).
 */

/** The z-score of `rows` against `history`, or undefined when history cannot judge. */
export function volumeZScore(rows: number, history: readonly number[]): number | undefined {
  if (history.length < 3) return undefined;
  const mean = history.reduce((a, b) => a + b, 0) / history.length;
  const variance = history.reduce((a, b) => a + (b - mean) ** 2, 0) / (history.length - 1);
  const sd = Math.max(1, Math.sqrt(variance));
  return (rows - mean) / sd;
}
