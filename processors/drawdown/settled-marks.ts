/**
 * What future windows can still need of the settled marks of a series: the marks older than the grace
 * period, which no later mark can change any more. A window that starts after `s` needs, of the settled
 * marks with ts > s, only their maximum and their max drawdown (peak before trough); max drawdown
 * composes over consecutive runs A then B as `max(MDD(A), MDD(B), 1 − min(B) / max(A))`, and only the
 * maximum of the earlier run enters it, so nothing else of them is needed.
 *
 * As a function of `s`, that summary is a step function, non-increasing in both figures, and it is kept
 * as its steps: one per settled mark at which the summary of the marks from it on differs from the
 * summary of the marks after it. A step keeps the mark's ts, its own equity (the summary's maximum is
 * the largest equity of the steps from it on: every mark that is the maximum of the marks from it on is a
 * step, save a tie with a later step) and the max drawdown of the marks from it on. On a random walk a
 * window's worth of marks leaves a few dozen steps (the candidate peaks of a trailing maximum, plus the
 * points where an older, lower peak had a deeper fall); on a fall that lasts the whole window every mark
 * is a step, as in any trailing maximum.
 *
 * Exact: every figure is `1 − later / earlier` of two equities, and a drawdown computed here is
 * bit-for-bit the one a scan of the marks in ts order computes (correctly rounded division and
 * subtraction are monotone, so the largest of those quotients is the same whichever way the pairs are
 * grouped). Appending costs O(steps); the arrays are plain numbers (the state is JSON-safe).
 */
export interface SettledMarks {
  /** ts of each step, ascending. */
  ts: number[];
  /** The equity of the step's own mark. */
  equity: number[];
  /** Max drawdown of the settled marks from the step's mark on (non-increasing). */
  drawdown: number[];
}

/** The summary of the settled marks after some ts. */
export interface SettledSummary {
  readonly max: number;
  readonly maxDrawdown: number;
}

export function emptySettledMarks(): SettledMarks {
  return { ts: [], equity: [], drawdown: [] };
}

/**
 * Appends a settled mark (ts greater than every settled mark's): updates the drawdown of every step
 * (its maximum over the marks from it on, down to this equity) and merges the steps whose summary no
 * longer differs from the next one's (the older one goes: the newer one covers it).
 */
export function settleMark(settled: SettledMarks, ts: number, equity: number): void {
  const steps = settled.ts.length;
  settled.ts.push(ts);
  settled.equity.push(equity);
  settled.drawdown.push(0);
  // From the newest step back, compacting towards the end: `write` is the oldest step kept so far.
  let write = steps;
  let nextMax = equity;
  let nextDrawdown = 0;
  let maxBefore = 0; // the maximum of the marks from step `read` on, before this one
  for (let read = steps - 1; read >= 0; read -= 1) {
    const own = settled.equity[read] as number;
    if (own > maxBefore) maxBefore = own;
    const drawdown = Math.max(settled.drawdown[read] as number, 1 - equity / maxBefore);
    const max = maxBefore > equity ? maxBefore : equity;
    if (max === nextMax && drawdown === nextDrawdown) continue; // the same summary as the newer step
    write -= 1;
    settled.ts[write] = settled.ts[read] as number;
    settled.equity[write] = own;
    settled.drawdown[write] = drawdown;
    nextMax = max;
    nextDrawdown = drawdown;
  }
  if (write > 0) {
    settled.ts.splice(0, write);
    settled.equity.splice(0, write);
    settled.drawdown.splice(0, write);
  }
}

/** Forgets the steps at or before `cutoffTs`: no window that can still come starts before it. */
export function expireSettledMarks(settled: SettledMarks, cutoffTs: number): void {
  let n = 0;
  while (n < settled.ts.length && (settled.ts[n] as number) <= cutoffTs) n += 1;
  if (n === 0) return;
  settled.ts.splice(0, n);
  settled.equity.splice(0, n);
  settled.drawdown.splice(0, n);
}

/** Maximum and max drawdown of the settled marks with ts > `afterTs`, or undefined if there are none. */
export function settledSummaryAfter(settled: SettledMarks, afterTs: number): SettledSummary | undefined {
  const { ts, equity } = settled;
  let first = 0;
  while (first < ts.length && (ts[first] as number) <= afterTs) first += 1;
  if (first === ts.length) return undefined;
  let max = 0;
  for (let i = first; i < equity.length; i += 1) if ((equity[i] as number) > max) max = equity[i] as number;
  return { max, maxDrawdown: settled.drawdown[first] as number };
}

/** Whether a step is the mark (ts, equity): a settled mark still known to the state. */
export function isSettledStep(settled: SettledMarks, ts: number, equity: number): boolean {
  const i = settled.ts.indexOf(ts);
  return i >= 0 && settled.equity[i] === equity;
}

/** How many steps are kept. */
export function settledStepCount(settled: SettledMarks): number {
  return settled.ts.length;
}
