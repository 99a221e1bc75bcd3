/**
 * `tradewatch dashboards render`: each dashboard rendered from rows the processors wrote (a namespace of
 * the test's own), opened in headless Chromium: every panel drew rows, nothing failed, no console error,
 * no request; screenshots in test-output/dashboards-<name>.png.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { CHROMIUM_MISSING, launchBrowser, type BrowserSession } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { seedNamespace, type Seeded } from '../dashboards/seed.ts';
import { SEED_RANGE } from '../dashboards/seed-rows.ts';

const NAMES = [
  'overview',
  'portfolios',
  'strategies',
  'ranking',
  'data-sources',
  'scheduler',
  'backtests',
] as const;
const iso = (ms: number) => new Date(ms).toISOString();

let seeded: Seeded;
let release: () => Promise<void>;
let dir: string;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  ({ seeded, release } = await seedNamespace(inject('services').questdbHttpUrl));
  dir = await mkdtemp(path.join(tmpdir(), 'tw-render-'));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
  await release();
});

const render = (args: readonly string[]) =>
  runCli([
    'dashboards',
    'render',
    '--from',
    iso(SEED_RANGE.from),
    '--to',
    iso(SEED_RANGE.to),
    '--var',
    `ns=${seeded.ns.tablePrefix}`,
    ...args,
  ]);

interface Panel {
  readonly title: string;
  readonly rows: number;
  readonly error: boolean;
}

describe.skipIf(CHROMIUM_MISSING !== null)('in headless Chromium', () => {
  test.each(NAMES)('%s: every panel has data, no error, no request', async (name) => {
    const file = path.join(dir, `${name}.html`);
    const result = await render(['--dashboard', name, '--out', file]);
    expect(result.stderr).toContain(`wrote ${file}`);
    expect(result.code).toBe(0);
    browser ??= await launchBrowser();
    const visit = await browser.open(file, {
      screenshot: `dashboards-${name}`,
      inspect: async (page) => {
        const panels = page.locator('[data-panel]');
        const out: Panel[] = [];
        for (let i = 0; i < (await panels.count()); i++) {
          const p = panels.nth(i);
          out.push({
            title: (await p.getAttribute('data-panel')) ?? '',
            rows: Number(await p.getAttribute('data-rows')),
            error: (await p.getAttribute('data-error')) !== null,
          });
        }
        const charts = page.locator('[data-chart]');
        const empty: string[] = [];
        for (let i = 0; i < (await charts.count()); i++) {
          if (Number(await charts.nth(i).getAttribute('data-points')) === 0) {
            empty.push((await charts.nth(i).getAttribute('data-chart')) ?? '');
          }
        }
        return { panels: out, emptyCharts: empty, svgs: await page.locator('svg').count() };
      },
    });
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toEqual([]);
    const { panels, emptyCharts, svgs } = visit.inspected;
    expect(panels.length).toBeGreaterThan(2);
    expect(panels.filter((p) => p.error || p.rows === 0)).toEqual([]);
    expect(emptyCharts).toEqual([]);
    expect(svgs).toBeGreaterThan(0);
  });
});

test('render: a bad --dashboard or --var says what exists; no Chromium needed', async () => {
  const page = await render(['--dashboard', 'portfolios']);
  expect(page.code).toBe(0);
  expect(page.stdout).toMatch(/^<!doctype html>/);
  expect(page.stdout).toContain(seeded.portfolios[0]);
  expect(page.stdout).not.toContain('This panel failed');

  const k5 = await render(['--dashboard', 'ranking', '--var', 'K=5', '--var', 'strategy=All']);
  expect(k5.code).toBe(0);
  expect(k5.stdout).toContain('strategy=All, k=5.');

  const unknown = await render(['--dashboard', 'nope']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('TW_CONFIG_INVALID: a flag is invalid');
  expect(unknown.stderr).toContain('--dashboard nope: no such dashboard; choose one of overview, portfolios');
  const badVar = await render(['--dashboard', 'overview', '--var', 'portfolio=x']);
  expect(badVar.code).toBe(2);
  expect(badVar.stderr).toContain(
    '--var portfolio=x: expected <name>=<value> with a variable of the dashboards: ns, env',
  );
});

test("render: without --var ns, the environment's namespace (from TOPIC_PREFIX) is read", async () => {
  const page = await runCli(
    [
      'dashboards',
      'render',
      '--dashboard',
      'portfolios',
      '--from',
      iso(SEED_RANGE.from),
      '--to',
      iso(SEED_RANGE.to),
    ],
    { env: { TOPIC_PREFIX: `${seeded.ns.name}.` } },
  );
  expect(page.code).toBe(0);
  expect(page.stdout).toContain(`ns=${seeded.ns.tablePrefix}`);
  expect(page.stdout).toContain(seeded.portfolios[1]);
  expect(page.stdout).not.toContain('This panel failed');
});

test('render: a panel whose table is missing shows the error in its place', async () => {
  const file = path.join(dir, 'missing.html');
  const result = await render(['--dashboard', 'overview', '--var', 'ns=nosuchns__', '--out', file]);
  expect(result.code).toBe(0);
  const html = await readFile(file, 'utf8');
  expect(html).toContain('data-error="true"');
  expect(html).toMatch(
    /This panel failed:<\/strong> QuestDB at \S+ rejected a query: table does not exist \[table=nosuchns__alerts\]/,
  );
});
