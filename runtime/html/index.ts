/**
 * Self-contained HTML reports: charts rendered to inline SVG on the server with Apache ECharts, tables,
 * and a page builder. No script, no network, escaped text, deterministic bytes. Used by the backtest
 * report and the dashboards' HTML rendering.
 */
export { markup, escapeHtml, trustedHtml, isHtml, toHtmlString, type Html, type HtmlValue } from './html.ts';
export { PALETTE, type ChartBase } from './chart-svg.ts';
export type { ValueAxis } from './axis.ts';
export { formatValue, formatPercent, formatNumber, formatTime, type ValueFormat } from './format.ts';
export { timeChart, type TimeChartOptions, type TimeSeries, type TimePoint } from './time-chart.ts';
export {
  barChart,
  histogram,
  type BarChartOptions,
  type BarSeries,
  type HistogramOptions,
} from './bar-chart.ts';
export { scatterChart, type ScatterChartOptions } from './scatter-chart.ts';
export { eventChart, type EventChartOptions, type EventSeries, type TimelineEvent } from './event-chart.ts';
export {
  table,
  keyValueTable,
  codeBlock,
  paragraph,
  columns,
  scrollBox,
  type Column,
  type TableOptions,
} from './table.ts';
export { renderPage, type PageOptions, type PageSection } from './page.ts';
export {
  pearson,
  linearFit,
  rollingMean,
  histogramBins,
  type LinearFit,
  type HistogramBin,
} from './stats.ts';
