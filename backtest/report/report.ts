/**
 * The report of one backtest run (`report.html` in its artifact): one self-contained HTML page, charts
 * drawn to SVG here, no script and no request, so it opens offline.
 */
import { columns, renderPage } from '../../runtime/html/index.ts';
import type { BacktestResult } from '../result.ts';
import {
  alertsTable,
  alertsTimeline,
  configBlock,
  drawdownChart,
  equityChart,
  icChart,
  icScatter,
  manifestBlock,
  metricsTables,
  precisionCharts,
  precisionScatter,
  returnsHistogram,
  turnoverChart,
} from './charts.ts';
import { provenance, runLabel, runSummary } from './describe.ts';

/** The report page of one run, as HTML (UTF-8). The same result gives the same bytes. */
export function renderBacktestReport(result: BacktestResult): string {
  return renderPage({
    title: `Backtest ${runLabel(result)}`,
    subtitle: runSummary(result),
    footer: provenance(result),
    sections: [
      {
        title: 'Metrics',
        intro:
          'Definitions: backtest/README.md. A dash means undefined (too few periods, or a constant series).',
        content: metricsTables(result),
      },
      {
        title: 'Equity and drawdown',
        content: [equityChart(result), drawdownChart(result)],
      },
      {
        title: 'Returns',
        content: columns(returnsHistogram(result, '', 640), precisionScatter(result, '', 640)),
      },
      {
        title: 'Ranking quality',
        intro: 'How well the combined score ranked the assets, rebalance by rebalance.',
        content: [...precisionCharts(result), icChart(result), icScatter(result)],
      },
      { title: 'Turnover', content: turnoverChart(result) },
      {
        title: 'Alerts',
        intro:
          'The monitoring replay: the live processors and rules over this run’s series, on a virtual clock.',
        content: [alertsTimeline(result), alertsTable(result)],
      },
      { title: 'Config', content: configBlock(result) },
      { title: 'Manifest', content: manifestBlock(result) },
    ],
  });
}
