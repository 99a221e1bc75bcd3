/**
 * The report's blocks for one run: each takes the result and an id prefix (so two runs can share a
 * page) and returns a chart or a table.
 */
import {
  PALETTE,
  codeBlock,
  columns,
  eventChart,
  formatTime,
  histogram,
  keyValueTable,
  markup,
  scatterChart,
  scrollBox,
  table,
  timeChart,
  type EventSeries,
  type Html,
  type ValueFormat,
} from '../../runtime/html/index.ts';
import type { BacktestAlert, BacktestMetrics, BacktestResult } from '../result.ts';
import {
  icReturnPairs,
  ksOf,
  perPeriod,
  precisionReturnPairs,
  precisionSeries,
  rolling,
  rollingWindow,
  scatterK,
} from './series.ts';

/** The alerts table shows at most this many rows (the timeline shows them all). */
export const ALERT_ROWS = 500;

/** Equity after each period, at the period's rebalance time. */
export function equityChart(result: BacktestResult, prefix = ''): Html {
  return timeChart({
    id: `${prefix}equity`,
    title: 'Equity',
    note: 'E_t after each holding period, plotted at the period’s rebalance time',
    series: [{ name: 'equity', points: perPeriod(result, (p) => p.equity), area: true }],
    y: { format: 'number' },
  });
}

/** The drawdown from the running peak, as a negative fraction. */
export function drawdownChart(result: BacktestResult, prefix = ''): Html {
  return timeChart({
    id: `${prefix}drawdown`,
    title: 'Drawdown',
    note: '−(1 − E_t / max E_s, s ≤ t): 0 at a new high',
    height: 220,
    series: [
      { name: 'drawdown', points: perPeriod(result, (p) => -p.drawdown), area: true, color: PALETTE[4] },
    ],
    y: { format: 'percent', max: 0 },
  });
}

/** The distribution of period returns (after costs). */
export function returnsHistogram(result: BacktestResult, prefix = '', width?: number): Html {
  return histogram({
    id: `${prefix}returns`,
    title: 'Distribution of period returns',
    note: 'r_t after costs; each bar counts the periods whose return falls in [its label, the next label)',
    values: result.periods.map((p) => p.return),
    format: 'percent',
    countLabel: 'periods',
    ...(width === undefined ? {} : { width }),
  });
}

/** One chart per K: precision@K per rebalance and its rolling mean. */
export function precisionCharts(result: BacktestResult, prefix = ''): Html[] {
  const window = rollingWindow(result.periods);
  return ksOf(result).map((k) => {
    const raw = precisionSeries(result, k);
    return timeChart({
      id: `${prefix}precision-at-${k}`,
      title: `Precision@${k}`,
      note: `per rebalance (thin) and the ${window.label} (thick); gaps: undefined at that rebalance`,
      height: 240,
      series: [
        { name: `precision@${k}`, points: raw, color: PALETTE[0], weight: 'faint' },
        { name: 'rolling mean', points: rolling(raw, window.periods), weight: 'bold', color: PALETTE[1] },
      ],
      y: { format: 'percent', min: 0, max: 1 },
    });
  });
}

/** The rank IC per rebalance and its rolling mean. */
export function icChart(result: BacktestResult, prefix = ''): Html {
  const window = rollingWindow(result.periods);
  const raw = perPeriod(result, (p) => p.ic);
  return timeChart({
    id: `${prefix}rank-ic`,
    title: 'Rank IC',
    note: `Spearman correlation of combined score and forward return per rebalance, and the ${window.label} (thick)`,
    height: 240,
    series: [
      { name: 'IC', points: raw, color: PALETTE[2], weight: 'faint' },
      { name: 'rolling mean', points: rolling(raw, window.periods), weight: 'bold', color: PALETTE[1] },
    ],
    y: { format: 'number', min: -1, max: 1 },
  });
}

/** Turnover per period and its rolling mean. */
export function turnoverChart(result: BacktestResult, prefix = ''): Html {
  const window = rollingWindow(result.periods);
  const raw = perPeriod(result, (p) => p.turnover);
  return timeChart({
    id: `${prefix}turnover`,
    title: 'Turnover',
    note: `Σ|w_t − w_prev| per rebalance (200% = the whole book replaced), and the ${window.label} (thick)`,
    height: 220,
    series: [
      { name: 'turnover', points: raw, color: PALETTE[3], weight: 'faint' },
      { name: 'rolling mean', points: rolling(raw, window.periods), weight: 'bold', color: PALETTE[1] },
    ],
    y: { format: 'percent', zero: true },
  });
}

/** Precision@K (the selection's K) against the period's return, with Pearson's r. */
export function precisionScatter(result: BacktestResult, prefix = '', width?: number): Html {
  const k = scatterK(result) ?? '?';
  return scatterChart({
    id: `${prefix}precision-vs-return`,
    title: `Precision@${k} against period return`,
    note: 'one point per rebalance where precision is defined; the line is the least-squares fit',
    points: precisionReturnPairs(result, k),
    fit: true,
    x: { label: `precision@${k}`, format: 'percent' },
    y: { label: 'return', format: 'percent' },
    ...(width === undefined ? {} : { width }),
  });
}

/** The IC against the period's return, with Pearson's r. */
export function icScatter(result: BacktestResult, prefix = '', width?: number): Html {
  return scatterChart({
    id: `${prefix}ic-vs-return`,
    title: 'Rank IC against period return',
    note: 'one point per rebalance where the IC is defined',
    points: icReturnPairs(result),
    fit: true,
    x: { label: 'IC', format: 'number' },
    y: { label: 'return', format: 'percent' },
    ...(width === undefined ? {} : { width }),
  });
}

const SEVERITY_COLOURS: Readonly<Record<string, string>> = {
  critical: '#d62728',
  error: '#d62728',
  warning: '#ff9f1c',
  info: '#2f6fdf',
};
const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

/** The severities present, most severe first (unknown ones after, by name). */
function severities(alerts: readonly BacktestAlert[]): string[] {
  const present = [...new Set(alerts.map((a) => a.severity))];
  const rank = (s: string) =>
    SEVERITY_ORDER.includes(s) ? SEVERITY_ORDER.indexOf(s) : SEVERITY_ORDER.length;
  return present.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The monitoring replay's alerts on a timeline: a lane per rule, firing by severity, and resolutions. */
export function alertsTimeline(result: BacktestResult, prefix = ''): Html {
  const lanes = [...new Set(result.alerts.map((a) => a.rule))].sort();
  const series: EventSeries[] = severities(result.alerts.filter((a) => a.status === 'firing')).map(
    (severity, i) => ({
      name: `firing: ${severity}`,
      color: SEVERITY_COLOURS[severity] ?? PALETTE[(i + 3) % PALETTE.length],
      events: result.alerts
        .filter((a) => a.status === 'firing' && a.severity === severity)
        .map((a) => ({ t: a.ts, lane: a.rule })),
    }),
  );
  series.push({
    name: 'resolved',
    color: '#19a979',
    symbol: 'emptyCircle',
    events: result.alerts.filter((a) => a.status === 'resolved').map((a) => ({ t: a.ts, lane: a.rule })),
  });
  const first = result.periods[0]?.t;
  const last = result.periods.at(-1)?.t;
  return eventChart({
    id: `${prefix}alerts`,
    title: 'Alerts timeline',
    note: 'what the live monitoring would have raised over this run: one lane per rule',
    lanes,
    series: series.filter((s) => s.events.length > 0),
    ...(first === undefined || last === undefined ? {} : { from: first, to: last }),
  });
}

/** The alerts, in time order, as a table (at most ALERT_ROWS rows). */
export function alertsTable(result: BacktestResult, prefix = ''): Html {
  const rows = result.alerts.slice(0, ALERT_ROWS);
  const more = result.alerts.length - rows.length;
  return markup`${scrollBox(
    table({
      id: `${prefix}alerts-table`,
      columns: [
        { label: 'time (UTC)', value: (a: BacktestAlert) => formatTime(a.ts) },
        { label: 'rule', value: (a) => a.rule },
        { label: 'severity', value: (a) => a.severity },
        { label: 'status', value: (a) => a.status },
        { label: 'summary', value: (a) => a.summary },
      ],
      rows,
    }),
  )}${more > 0 ? markup`<p class="intro">… and ${more} more in alerts.jsonl.</p>\n` : ''}`;
}

/** A metric's label, value and format. */
export type MetricRow = readonly [label: string, value: number | null, format: ValueFormat];

/** The summary metrics in reading order, per-K ones for each K of the run. */
export function metricRows(metrics: BacktestMetrics, ks: readonly string[]): MetricRow[] {
  const perK = (label: string, values: Readonly<Record<string, number | null>>): MetricRow[] =>
    ks.map((k) => [`${label}@${k}`, values[k] ?? null, 'percent'] as const);
  return [
    ['total return', metrics.total_return, 'percent'],
    ['CAGR', metrics.cagr, 'percent'],
    ['volatility (annualized)', metrics.volatility, 'percent'],
    ['Sharpe', metrics.sharpe, 'number'],
    ['Sortino', metrics.sortino, 'number'],
    ['max drawdown', metrics.max_drawdown, 'percent'],
    ['Calmar', metrics.calmar, 'number'],
    ['hit rate', metrics.hit_rate, 'percent'],
    ['turnover (mean per period)', metrics.turnover, 'percent'],
    ...perK('precision', metrics.precision_at_k),
    ...perK('recall', metrics.recall_at_k),
    ...perK('nDCG', metrics.ndcg_at_k),
    ['rank IC', metrics.rank_ic, 'number'],
    ['IC IR', metrics.ic_ir, 'number'],
    ['periods', metrics.periods, 'integer'],
    ['unlabeled positions', metrics.unlabeled_positions, 'integer'],
  ];
}

/** The metrics of one run: the performance figures beside a K × (precision, recall, nDCG) table. */
export function metricsTables(result: BacktestResult, prefix = ''): Html {
  const m = result.metrics;
  const ks = ksOf(result);
  const performance = metricRows(m, []);
  const ranking = table({
    id: `${prefix}ranking-metrics`,
    caption: 'Ranking quality, averaged over the rebalances',
    columns: [
      { label: 'K', value: (k: string) => k, align: 'right' },
      { label: 'precision@K', value: (k) => m.precision_at_k[k] ?? null, format: 'percent' },
      { label: 'recall@K', value: (k) => m.recall_at_k[k] ?? null, format: 'percent' },
      { label: 'nDCG@K', value: (k) => m.ndcg_at_k[k] ?? null, format: 'percent' },
    ],
    rows: ks,
  });
  return columns(keyValueTable(`${prefix}metrics`, performance, 'Returns and risk'), ranking);
}

/** The config as run (JSON). */
export function configBlock(result: BacktestResult): Html {
  return codeBlock(JSON.stringify(result.manifest.config, null, 2), 'config');
}

/** The manifest without the config (shown on its own): version, digests, code, runtime. */
export function manifestBlock(result: BacktestResult): Html {
  const { config: _config, ...manifest } = result.manifest;
  return codeBlock(JSON.stringify(manifest, null, 2), 'manifest');
}
