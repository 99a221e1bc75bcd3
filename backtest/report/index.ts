/**
 * The backtest report: one run (`report.html` in its artifact) or two side by side (`backtest
 * compare`), each one self-contained HTML page with server-drawn SVG charts.
 */
export { renderBacktestReport } from './report.ts';
export { renderBacktestComparison, cumulativeReturn } from './compare.ts';
export { ALERT_ROWS } from './charts.ts';
export {
  ksOf,
  periodStep,
  rollingWindow,
  scatterK,
  precisionReturnPairs,
  icReturnPairs,
  type RollingWindow,
} from './series.ts';
