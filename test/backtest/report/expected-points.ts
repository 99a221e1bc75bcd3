/**
 * How many points each chart of a report must draw, counted from the result by plain loops (not by
 * the report's own series functions), so a chart that drops or invents points fails the test.
 */
import type { BacktestResult } from '../../../backtest/result.ts';

const isValue = (v: number | null | undefined): v is number => v !== null && v !== undefined;

/** Positions whose trailing window of `w` holds at least one value (where a rolling mean is defined). */
function rollingDefined(values: readonly (number | null | undefined)[], w: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (values.slice(Math.max(0, i - w + 1), i + 1).some(isValue)) n++;
  }
  return n;
}

/** Chart id → data-points, for the one-run report with rolling window `w` and scatter K `k`. */
export function expectedReportPoints(result: BacktestResult, w: number, k: string, ks: readonly string[]) {
  const n = result.periods.length;
  const ic = result.periods.map((p) => p.ic);
  const points: Record<string, number> = {
    equity: n,
    drawdown: n,
    returns: n,
    'precision-vs-return': result.periods.filter((p) => isValue(p.precisionAtK[k])).length,
    'rank-ic': ic.filter(isValue).length + rollingDefined(ic, w),
    'ic-vs-return': ic.filter(isValue).length,
    turnover: 2 * n,
    alerts: result.alerts.length,
  };
  for (const kk of ks) {
    const values = result.periods.map((p) => p.precisionAtK[kk]);
    points[`precision-at-${kk}`] = values.filter(isValue).length + rollingDefined(values, w);
  }
  return points;
}
