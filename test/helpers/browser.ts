/**
 * Opens a local HTML file in headless Chromium (Debian's `chromium`, driven by playwright-core) the way
 * a reader would, and reports what went wrong: console errors, uncaught exceptions, and every request
 * other than the file itself (each is blocked, so a page that needs the network shows it). A full-page
 * screenshot goes to `test-output/<name>.png` (git-ignored) for review.
 *
 * Tests skip when the browser is missing: `describe.skipIf(CHROMIUM_MISSING !== null)` and log
 * CHROMIUM_MISSING so the reason shows.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where screenshots go. */
export const TEST_OUTPUT = path.join(ROOT, 'test-output');

/** The browser binary (Debian's `chromium` package; CI installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why browser tests cannot run here, or null when they can. */
export const CHROMIUM_MISSING: string | null = existsSync(CHROMIUM_PATH)
  ? null
  : `headless Chromium tests skipped: ${CHROMIUM_PATH} is missing (install Debian's chromium package: apt-get install chromium)`;

/** Flags for a browser that is root-safe in a container and never talks to the network on its own. */
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // No name resolves: a request that slipped past the route below still cannot leave the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

/** What happened while a page loaded. */
export interface PageVisit<T> {
  /** Console messages of type error, and uncaught exceptions ("pageerror: …"). */
  readonly consoleErrors: readonly string[];
  /** URLs of every request other than the file itself (all were blocked). */
  readonly requests: readonly string[];
  /** The screenshot's path, or null when none was asked for. */
  readonly screenshot: string | null;
  /** What `inspect` returned. */
  readonly inspected: T;
}

/** How to open a file. */
export interface OpenOptions<T> {
  /** Screenshot name, without extension: `test-output/<name>.png`. Default: no screenshot. */
  readonly screenshot?: string;
  /** Reads the loaded page (counts charts, reads attributes). */
  readonly inspect?: (page: Page) => Promise<T>;
  /** Default 1400 × 900. */
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** A running headless Chromium; `close()` when done (idempotent). */
export interface BrowserSession {
  open<T = undefined>(file: string, options?: OpenOptions<T>): Promise<PageVisit<T>>;
  close(): Promise<void>;
}

/** Launches headless Chromium. Throws CHROMIUM_MISSING's text when it is not installed. */
export async function launchBrowser(): Promise<BrowserSession> {
  if (CHROMIUM_MISSING !== null) throw new Error(CHROMIUM_MISSING);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    timeout: 30_000,
  });
  let closing: Promise<void> | undefined;
  return {
    async open<T>(file: string, options: OpenOptions<T> = {}): Promise<PageVisit<T>> {
      const url = pathToFileURL(path.resolve(file)).href;
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1400, height: 900 },
        offline: true,
        javaScriptEnabled: true,
      });
      try {
        const page = await context.newPage();
        const consoleErrors: string[] = [];
        const requests: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
        page.on('request', (request) => {
          if (request.url() !== url) requests.push(request.url());
        });
        await page.route('**/*', async (route) => {
          if (route.request().url() === url) await route.continue();
          else await route.abort('blockedbyclient');
        });
        const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        if (response !== null && !response.ok()) throw new Error(`${url}: status ${response.status()}`);
        const inspected = (options.inspect ? await options.inspect(page) : undefined) as T;
        let screenshot: string | null = null;
        if (options.screenshot !== undefined) {
          mkdirSync(TEST_OUTPUT, { recursive: true });
          screenshot = path.join(TEST_OUTPUT, `${options.screenshot}.png`);
          await page.screenshot({ path: screenshot, fullPage: true });
        }
        return { consoleErrors, requests, screenshot, inspected };
      } finally {
        await context.close();
      }
    },
    close(): Promise<void> {
      closing ??= browser.close();
      return closing;
    },
  };
}

/** Opens one file in a browser of its own (launched and closed around it). */
export async function openInBrowser<T = undefined>(
  file: string,
  options: OpenOptions<T> = {},
): Promise<PageVisit<T>> {
  const session = await launchBrowser();
  try {
    return await session.open(file, options);
  } finally {
    await session.close();
  }
}

/** What each `[data-chart]` figure on the page says it drew: id → data-points (in page order). */
export async function chartPoints(page: Page): Promise<Record<string, number>> {
  // Locators rather than $$eval: the project compiles without the DOM library.
  const figures = page.locator('[data-chart]');
  const out: Record<string, number> = {};
  for (let i = 0, n = await figures.count(); i < n; i++) {
    const figure = figures.nth(i);
    out[(await figure.getAttribute('data-chart')) ?? ''] = Number(await figure.getAttribute('data-points'));
  }
  return out;
}

/** The rendered height in pixels of each chart's SVG (a chart that failed to draw has none, or 0). */
export async function chartHeights(page: Page): Promise<Record<string, number>> {
  const figures = page.locator('[data-chart]');
  const out: Record<string, number> = {};
  for (let i = 0, n = await figures.count(); i < n; i++) {
    const figure = figures.nth(i);
    const svg = figure.locator('svg');
    const box = (await svg.count()) === 1 ? await svg.boundingBox() : null;
    out[(await figure.getAttribute('data-chart')) ?? ''] = box?.height ?? 0;
  }
  return out;
}
