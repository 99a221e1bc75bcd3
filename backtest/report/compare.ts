/**
 * Two runs side by side (`backtest compare <a> <b>`): their metrics in one table with the difference,
 * their curves overlaid where one axis fits both, and the rest in two columns.
 */
import {
  PALETTE,
  columns,
  formatValue,
  markup,
  renderPage,
  table,
  timeChart,
  type Html,
  type TimePoint,
  type ValueAxis,
  type ValueFormat,
} from '../../runtime/html/index.ts';
import type { BacktestResult } from '../result.ts';
import {
  alertsTimeline,
  configBlock,
  icScatter,
  manifestBlock,
  metricRows,
  precisionScatter,
  returnsHistogram,
  type MetricRow,
} from './charts.ts';
import { provenance, runLabel, runSummary } from './describe.ts';
import { ksOf, perPeriod, precisionSeries, rolling, rollingWindow } from './series.ts';

/** The two runs' names on the page: their labels, or "A: …" and "B: …" when those are the same. */
function names(a: BacktestResult, b: BacktestResult): [string, string] {
  const la = runLabel(a);
  const lb = runLabel(b);
  return la === lb ? [`A: ${la}`, `B: ${lb}`] : [la, lb];
}

/** E_t / E_0 − 1, where E_0 = E_1 / (1 + r_1) is the equity before the first period. */
export function cumulativeReturn(result: BacktestResult): TimePoint[] {
  const first = result.periods[0];
  const e0 = first === undefined || first.return === -1 ? null : first.equity / (1 + first.return);
  return perPeriod(result, (p) => (e0 === null || e0 === 0 ? null : p.equity / e0 - 1));
}

/** A chart with one series per run. */
function overlay(
  id: string,
  title: string,
  note: string,
  labels: [string, string],
  series: [TimePoint[], TimePoint[]],
  y: ValueAxis,
  height = 260,
): Html {
  return timeChart({
    id,
    title,
    note,
    height,
    series: [
      { name: labels[0], points: series[0], color: PALETTE[0] },
      { name: labels[1], points: series[1], color: PALETTE[1] },
    ],
    y,
  });
}

/** A difference, with its sign: "+1.5%", "-0.2", "0". */
function signed(v: number, format: ValueFormat): string {
  return `${v > 0 ? '+' : ''}${formatValue(v, format)}`;
}

/** Metrics of both runs and B − A. */
function metricsComparison(a: BacktestResult, b: BacktestResult, labels: [string, string]): Html {
  const ks = [...new Set([...ksOf(a), ...ksOf(b)])].sort((x, y) => Number(x) - Number(y));
  const ra = metricRows(a.metrics, ks);
  const rb = metricRows(b.metrics, ks);
  const rows = ra.map((row, i) => [row, rb[i]!] as const);
  const show = (row: MetricRow) => formatValue(row[1], row[2]);
  return table({
    id: 'metrics',
    columns: [
      { label: 'metric', value: ([row]: (typeof rows)[number]) => row[0] },
      { label: labels[0], value: ([row]) => show(row), align: 'right' },
      { label: labels[1], value: ([, row]) => show(row), align: 'right' },
      {
        label: 'B − A',
        value: ([x, y]) => (x[1] === null || y[1] === null ? null : signed(y[1] - x[1], x[2])),
        align: 'right',
      },
    ],
    rows,
  });
}

/** The comparison page of runs `a` and `b`, as HTML (UTF-8). The same results give the same bytes. */
export function renderBacktestComparison(a: BacktestResult, b: BacktestResult): string {
  const labels = names(a, b);
  const wa = rollingWindow(a.periods);
  const wb = rollingWindow(b.periods);
  const rollingNote =
    wa.periods === wb.periods ? wa.label : `${labels[0]}: ${wa.label}; ${labels[1]}: ${wb.label}`;
  const ks = [...new Set([...ksOf(a), ...ksOf(b)])].sort((x, y) => Number(x) - Number(y));
  const precision = ks.map((k) =>
    overlay(
      `precision-at-${k}`,
      `Precision@${k}, rolling mean`,
      rollingNote,
      labels,
      [rolling(precisionSeries(a, k), wa.periods), rolling(precisionSeries(b, k), wb.periods)],
      { format: 'percent', min: 0, max: 1 },
      220,
    ),
  );
  const side = (left: Html, right: Html) => columns(left, right);
  return renderPage({
    title: `Backtests compared: ${labels[0]} and ${labels[1]}`,
    subtitle: `A = ${labels[0]} (${runSummary(a)}); B = ${labels[1]} (${runSummary(b)})`,
    footer: `A: ${provenance(a)} — B: ${provenance(b)}`,
    sections: [
      {
        title: 'Metrics',
        intro: 'Definitions: backtest/README.md.',
        content: metricsComparison(a, b, labels),
      },
      {
        title: 'Equity and drawdown',
        content: [
          overlay(
            'cumulative-return',
            'Cumulative return',
            'E_t / E_0 − 1, so runs of different initial equity compare',
            labels,
            [cumulativeReturn(a), cumulativeReturn(b)],
            { format: 'percent' },
          ),
          overlay(
            'drawdown',
            'Drawdown',
            '−(1 − E_t / max E_s, s ≤ t)',
            labels,
            [perPeriod(a, (p) => -p.drawdown), perPeriod(b, (p) => -p.drawdown)],
            { format: 'percent', max: 0 },
            220,
          ),
        ],
      },
      {
        title: 'Returns',
        content: [
          side(returnsHistogram(a, 'a-', 640), returnsHistogram(b, 'b-', 640)),
          side(precisionScatter(a, 'a-', 640), precisionScatter(b, 'b-', 640)),
        ],
      },
      {
        title: 'Ranking quality',
        content: [
          ...precision,
          overlay(
            'rank-ic',
            'Rank IC, rolling mean',
            rollingNote,
            labels,
            [
              rolling(
                perPeriod(a, (p) => p.ic),
                wa.periods,
              ),
              rolling(
                perPeriod(b, (p) => p.ic),
                wb.periods,
              ),
            ],
            { format: 'number', min: -1, max: 1 },
            220,
          ),
          side(icScatter(a, 'a-', 640), icScatter(b, 'b-', 640)),
        ],
      },
      {
        title: 'Turnover',
        content: overlay(
          'turnover',
          'Turnover, rolling mean',
          rollingNote,
          labels,
          [
            rolling(
              perPeriod(a, (p) => p.turnover),
              wa.periods,
            ),
            rolling(
              perPeriod(b, (p) => p.turnover),
              wb.periods,
            ),
          ],
          { format: 'percent', zero: true },
          220,
        ),
      },
      {
        title: 'Alerts',
        content: [
          markup`<h3>${labels[0]}</h3>\n`,
          alertsTimeline(a, 'a-'),
          markup`<h3>${labels[1]}</h3>\n`,
          alertsTimeline(b, 'b-'),
        ],
      },
      {
        title: 'Config',
        content: side(
          markup`<h3>${labels[0]}</h3>\n${configBlock(a)}`,
          markup`<h3>${labels[1]}</h3>\n${configBlock(b)}`,
        ),
      },
      {
        title: 'Manifest',
        content: side(
          markup`<h3>${labels[0]}</h3>\n${manifestBlock(a)}`,
          markup`<h3>${labels[1]}</h3>\n${manifestBlock(b)}`,
        ),
      },
    ],
  });
}
