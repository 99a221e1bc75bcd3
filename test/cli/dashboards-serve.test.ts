/**
 * `tradewatch dashboards serve`: the rendered dashboards on loopback, rendered again on the interval (a
 * row written after start shows up without a restart), the page reloading itself; SIGTERM stops it with
 * exit 0.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { SinkRow } from '../../processors/contract.ts';
import { startCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { seedNamespace, type Seeded } from '../dashboards/seed.ts';
import { SEED_RANGE } from '../dashboards/seed-rows.ts';

let seeded: Seeded;
let release: () => Promise<void>;
let write: (rows: readonly SinkRow[]) => Promise<void>;

beforeAll(async () => {
  const s = await seedNamespace(inject('services').questdbHttpUrl);
  ({ seeded, release, write } = s);
}, 120_000);
afterAll(async () => release());

test('serves every dashboard on loopback, renders again on the interval, stops on SIGTERM', async () => {
  const serve = startCli([
    'dashboards',
    'serve',
    '--port',
    '0',
    '--refresh',
    '1s',
    '--var',
    `ns=${seeded.ns.tablePrefix}`,
  ]);
  try {
    const url = await waitFor(
      'serve to say where it listens',
      () => {
        if (serve.child.exitCode !== null) throw new Error(`serve exited:\n${serve.stderr()}`);
        return /serving 7 dashboard\(s\) at (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stdout())?.[1];
      },
      { timeoutMs: 60_000 },
    );
    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.text(),
      };
    };

    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('href="/tradewatch-overview"');
    const overview = await get('/tradewatch-overview');
    expect(overview.type).toBe('text/html; charset=utf-8');
    expect(overview.body).toContain('<meta http-equiv="refresh" content="1">');
    expect(overview.body).toContain('data-panel="Firing alerts by severity"');
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/healthz')).body).toMatch(/^ok, \d+ renderings/);

    // A new alert, inside the default range (the last 24 h): the next rendering shows it.
    const now = Date.now();
    const summary = `served-${seeded.ns.name} is down`;
    // An alert row as the rules processor writes it (processors/rules alertRow).
    await write([
      {
        table: 'alerts',
        ts: now - 60_000,
        symbols: {
          fingerprint: `fp-${seeded.ns.name}`,
          rule: 'portfolio_drawdown_1h',
          severity: 'critical',
          status: 'firing',
          env: 'prod',
        },
        columns: {
          summary,
          value: 0.07,
          threshold: 0.05,
          starts_at: now - 60_000,
          ends_at: null,
          labels: JSON.stringify({ portfolio: 'served' }),
          description: null,
        },
      },
    ]);
    await waitFor(
      'the new alert on the served page',
      async () => (await get('/tradewatch-overview')).body.includes(summary),
      {
        timeoutMs: 30_000,
      },
    );
    expect(SEED_RANGE.to).toBeLessThan(now); // the seeded rows are older than the default range: only the new one shows
  } finally {
    serve.child.kill('SIGTERM');
  }
  const exited = await serve.exited;
  expect(exited.code).toBe(0);
}, 120_000);
