import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBacktestComparison, renderBacktestReport } from '../../../backtest/report/index.ts';
import {
  CHROMIUM_MISSING,
  chartHeights,
  chartPoints,
  launchBrowser,
  type BrowserSession,
} from '../../helpers/browser.ts';
import { expectedReportPoints } from './expected-points.ts';
import { backtestFixture } from './fixture.ts';

if (CHROMIUM_MISSING !== null) console.warn(CHROMIUM_MISSING);

describe.skipIf(CHROMIUM_MISSING !== null)('backtest report in headless Chromium', () => {
  let browser: BrowserSession;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-report-'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inspect = async (page: Page) => ({
    points: await chartPoints(page),
    heights: await chartHeights(page),
  });

  it('a 500-period report loads offline with every chart and its points', async () => {
    const run = backtestFixture({ periods: 500 });
    const file = path.join(dir, 'report.html');
    writeFileSync(file, renderBacktestReport(run));
    const visit = await browser.open(file, { screenshot: 'backtest-report', inspect });
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([]);
    expect(visit.inspected.points).toEqual(expectedReportPoints(run, 100, '10', ['1', '5', '10']));
    for (const [id, height] of Object.entries(visit.inspected.heights)) {
      expect({ id, drawn: height > 80 }).toEqual({ id, drawn: true });
    }
  });

  it('the comparison of two runs loads offline with both runs drawn', async () => {
    const a = backtestFixture({ periods: 500 });
    const b = backtestFixture({ periods: 500, seed: 2, drift: 0.0004, id: 'momentum-b' });
    const file = path.join(dir, 'compare.html');
    writeFileSync(file, renderBacktestComparison(a, b));
    const visit = await browser.open(file, { screenshot: 'backtest-compare', inspect });
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([]);
    expect(visit.inspected.points).toMatchObject({
      'cumulative-return': 1000,
      drawdown: 1000,
      'a-returns': 500,
      'b-returns': 500,
      'a-alerts': a.alerts.length,
      'b-alerts': b.alerts.length,
    });
    for (const [id, height] of Object.entries(visit.inspected.heights)) {
      expect({ id, drawn: height > 80 }).toEqual({ id, drawn: true });
    }
  });
});
