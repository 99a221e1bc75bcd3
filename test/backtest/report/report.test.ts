import { describe, expect, it } from 'vitest';
import {
  ksOf,
  periodStep,
  precisionReturnPairs,
  renderBacktestComparison,
  renderBacktestReport,
  rollingWindow,
  scatterK,
  cumulativeReturn,
} from '../../../backtest/report/index.ts';
import { expectedReportPoints } from './expected-points.ts';
import { backtestFixture } from './fixture.ts';

/** data-chart id → data-points, read off the HTML. */
function chartPoints(html: string): Record<string, number> {
  return Object.fromEntries(
    [...html.matchAll(/data-chart="([^"]+)" data-points="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]),
  );
}

describe('backtest report', () => {
  const run = backtestFixture({ periods: 500 });

  it('reads the run: Ks, step, rolling window, scatter K', () => {
    expect(ksOf(run)).toEqual(['1', '5', '10']);
    expect(periodStep(run.periods)).toBe(3_600_000);
    // 7 days of hourly periods = 168, under a fifth of 500.
    expect(rollingWindow(run.periods)).toEqual({
      periods: 100,
      label: 'mean of the last 100 periods ≈ 4.2 days',
    });
    expect(rollingWindow(backtestFixture({ periods: 2000 }).periods).periods).toBe(168);
    expect(rollingWindow(backtestFixture({ periods: 400, horizonMs: 86_400_000 }).periods).periods).toBe(30);
    expect(scatterK(run)).toBe('10');
    expect(scatterK(backtestFixture({ periods: 10, k: 3 }))).toBe('10');
    expect(precisionReturnPairs(run, '10')).toHaveLength(
      run.periods.filter((p) => p.precisionAtK['10'] !== null).length,
    );
  });

  it('draws every chart with the points the run has', () => {
    const html = renderBacktestReport(run);
    expect(chartPoints(html)).toEqual(expectedReportPoints(run, 100, '10', ['1', '5', '10']));
    expect(html).toContain('data-table="metrics" data-rows="13"');
    expect(html).toContain('data-table="ranking-metrics" data-rows="3"');
    expect(html).toContain(`data-table="alerts-table" data-rows="${run.alerts.length}"`);
    expect(html).toContain('<h2>Config</h2>');
    expect(html).toContain('&quot;fee_bps&quot;: 10');
    expect(html).toContain(run.manifest.version);
  });

  it('shows Pearson r of precision@K and return, as computed by hand', () => {
    const pairs = precisionReturnPairs(run, '10');
    const mx = pairs.reduce((s, p) => s + p[0], 0) / pairs.length;
    const my = pairs.reduce((s, p) => s + p[1], 0) / pairs.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (const [x, y] of pairs) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
      syy += (y - my) ** 2;
    }
    const r = sxy / Math.sqrt(sxx * syy);
    expect(r).toBeGreaterThan(0.2); // the fixture ties returns to ranking skill
    const html = renderBacktestReport(run);
    const shown = /data-chart="precision-vs-return"[^>]* data-r="([^"]+)"/.exec(html)?.[1];
    expect(Number(shown)).toBeCloseTo(r, 12);
  });

  it('is byte-for-byte deterministic', () => {
    expect(renderBacktestReport(backtestFixture({ periods: 200 }))).toBe(
      renderBacktestReport(backtestFixture({ periods: 200 })),
    );
  });

  it('escapes what the run carries (alert summaries, config values)', () => {
    const html = renderBacktestReport(
      backtestFixture({ periods: 300, firstSummary: '<script>alert(1)</script>', id: 'x"><b>' }),
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<b>');
  });

  it('renders a run without periods or alerts, saying "No data"', () => {
    const html = renderBacktestReport(backtestFixture({ periods: 0 }));
    expect(chartPoints(html)).toMatchObject({ equity: 0, returns: 0, alerts: 0, 'precision-at-10': 0 });
    expect(html).toContain('No data');
    expect(html).toContain('data-table="alerts-table" data-rows="0"');
  });

  it('compares two runs: overlays with both series, the rest side by side', () => {
    const b = backtestFixture({ periods: 400, seed: 2, drift: 0.0004, id: 'momentum-b' });
    const html = renderBacktestComparison(run, b);
    const points = chartPoints(html);
    expect(points['cumulative-return']).toBe(900);
    expect(points['drawdown']).toBe(900);
    expect(points['a-returns']).toBe(500);
    expect(points['b-returns']).toBe(400);
    expect(points['a-alerts']).toBe(run.alerts.length);
    expect(points['b-alerts']).toBe(b.alerts.length);
    expect(Object.keys(points)).toEqual(
      expect.arrayContaining(['precision-at-1', 'precision-at-5', 'precision-at-10', 'rank-ic', 'turnover']),
    );
    expect(html).toContain('data-table="metrics" data-rows="22"');
    // E_t / E_0 − 1 at the last period equals the run's total return.
    expect(cumulativeReturn(run).at(-1)?.[1]).toBeCloseTo(run.metrics.total_return!, 12);
    // The same id twice reads A and B.
    expect(renderBacktestComparison(run, run)).toContain('A: momentum-blend-2025@3f6c1a9e0b7d');
  });
});
