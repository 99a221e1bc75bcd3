import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_MISSING,
  chartHeights,
  chartPoints,
  launchBrowser,
  type BrowserSession,
} from '../../helpers/browser.ts';
import { SAMPLE_POINTS, samplePage } from './sample-page.ts';

if (CHROMIUM_MISSING !== null) console.warn(CHROMIUM_MISSING);

describe.skipIf(CHROMIUM_MISSING !== null)('a rendered page in headless Chromium', () => {
  let browser: BrowserSession;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-html-'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console error and no request, every chart drawn with its points', async () => {
    const file = path.join(dir, 'sample.html');
    writeFileSync(file, samplePage());
    const visit = await browser.open(file, {
      screenshot: 'runtime-html-sample',
      inspect: async (page) => ({
        points: await chartPoints(page),
        heights: await chartHeights(page),
        title: await page.title(),
      }),
    });
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([]);
    expect(visit.inspected.points).toEqual(SAMPLE_POINTS);
    // Every chart drew an SVG of a real size (the narrowest are the two side by side).
    expect(Object.keys(visit.inspected.heights).sort()).toEqual(Object.keys(SAMPLE_POINTS).sort());
    for (const height of Object.values(visit.inspected.heights)) expect(height).toBeGreaterThan(80);
    expect(visit.inspected.title).toBe('Sample <report>');
    expect(visit.screenshot).toMatch(/test-output\/runtime-html-sample\.png$/);
  });

  it('reports (and blocks) a request leaving the file, and a console error', async () => {
    const file = path.join(dir, 'leaky.html');
    // No CSP here, so the browser would fetch the image and run the script if nothing stopped it.
    writeFileSync(
      file,
      '<!doctype html><html><head><title>x</title></head><body><img src="http://example.com/a.png"><img src="beside.png"><script>console.error("boom")</script></body></html>',
    );
    const visit = await browser.open(file);
    // Even a file next to the page counts: a report must not depend on anything beside it.
    expect([...visit.requests].sort()).toEqual(
      [`file://${path.join(dir, 'beside.png')}`, 'http://example.com/a.png'].sort(),
    );
    expect(visit.consoleErrors).toContain('boom');
  });
});
