/**
 * How long the backtest report takes to render, and how big it is, for one year of hourly rebalances
 * (8,760 periods) of a synthetic run (bench/synthetic-backtest.ts): the first render (ECharts loaded,
 * nothing warm) and the median of the next ones, for the one-run report and the comparison of two runs.
 * It measures; it asserts nothing. Writes both pages to the temporary folder for a look.
 *
 *   node bench/backtest-report.ts [--periods 8760] [--runs 5]
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderBacktestComparison, renderBacktestReport } from '../backtest/report/index.ts';
import { mib, progress, round } from './progress.ts';
import { backtestFixture } from './synthetic-backtest.ts';

const { values } = parseArgs({
  options: { periods: { type: 'string', default: '8760' }, runs: { type: 'string', default: '5' } },
});
const periods = Number(values.periods);
const runs = Number(values.runs);
if (!Number.isInteger(periods) || periods < 1 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('bench/backtest-report: --periods and --runs take positive integers\n');
  process.exit(2);
}

/** Renders `runs + 1` times: the first (cold) time and the median of the rest, in ms, and the page. */
function measure(render: () => string): { coldMs: number; warmMs: number; page: string } {
  const times: number[] = [];
  let page = '';
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    page = render();
    times.push(performance.now() - start);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  return { coldMs: times[0]!, warmMs: warm[Math.floor(warm.length / 2)]!, page };
}

progress(`synthetic runs of ${periods} periods`);
const a = backtestFixture({ periods });
const b = backtestFixture({ periods, seed: 2, drift: 0.0012, id: 'momentum-b' });
progress('rendering the report');
const report = measure(() => renderBacktestReport(a));
progress('rendering the comparison');
const comparison = measure(() => renderBacktestComparison(a, b));

const dir = tmpdir();
const files = {
  report: path.join(dir, 'tw-bench-report.html'),
  comparison: path.join(dir, 'tw-bench-compare.html'),
};
writeFileSync(files.report, report.page);
writeFileSync(files.comparison, comparison.page);
const charts = (page: string) => (page.match(/ data-chart="/g) ?? []).length;
const result = {
  periods,
  alerts: a.alerts.length,
  runs,
  report: {
    coldMs: round(report.coldMs),
    warmMs: round(report.warmMs),
    bytes: Buffer.byteLength(report.page),
    charts: charts(report.page),
  },
  comparison: {
    coldMs: round(comparison.coldMs),
    warmMs: round(comparison.warmMs),
    bytes: Buffer.byteLength(comparison.page),
    charts: charts(comparison.page),
  },
  files,
};
process.stdout.write(
  `report of ${periods} periods: first ${result.report.coldMs} ms, then ${result.report.warmMs} ms (median of ${runs}); ` +
    `${mib(result.report.bytes)}, ${result.report.charts} charts\n` +
    `comparison of two: first ${result.comparison.coldMs} ms, then ${result.comparison.warmMs} ms; ` +
    `${mib(result.comparison.bytes)}, ${result.comparison.charts} charts\n` +
    `${JSON.stringify(result)}\n`,
);
