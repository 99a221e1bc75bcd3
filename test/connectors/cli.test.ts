import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HOUR_MS } from '../../core/durations.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { coinMetricsServer, dailyRows } from './coinmetrics-server.ts';
import { harness } from './helpers.ts';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-connectors-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

describe('tradewatch connectors and assets', () => {
  it('runs a connector once against its provider, then finds the asset unmapped', async () => {
    const h = await harness('cli');
    const midnight = Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS;
    const server = await coinMetricsServer((asset) =>
      asset === 'btc' ? dailyRows('btc', midnight, 3, (i) => ({ SplyCur: `1958000${i}.5` })) : [],
    );
    const config = await file(
      'connectors.yaml',
      `env: staging
connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: ${server.url}/v4
    cadence: 1d
    budget_per_hour: 10
    history: 5d
    metrics: [SplyCur]
    assets:
      - { asset: bitcoin, id: btc }
`,
    );
    const env = { TOPIC_PREFIX: h.prefix, DATABASE_URL: h.url };
    const run = await runCli(['connectors', 'run', 'coinmetrics', '--once', '--json', '--config', config], {
      env,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      connector: 'coinmetrics',
      status: 'success',
      rows: 3,
      requests: 1,
    });
    expect((await h.signals()).map((s) => s.value).sort()).toEqual([19580000.5, 19580001.5, 19580002.5]);
    expect(await h.runs()).toEqual([
      expect.objectContaining({ ingest: 'connector-coinmetrics', env: 'staging', rows: 3 }),
    ]);

    const check = await runCli(['assets', 'check', '--config', config], { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^UNMAPPED +bitcoin \(used by coinmetrics\) has no CoinGecko id/);
    expect(check.stderr).toMatch(/TW_ASSETS_INCONSISTENT: 1 problem\(s\)/);
  });

  it('lists every problem of connectors.yaml with its place, and exits 2', async () => {
    const config = await file(
      'connectors.yaml',
      `connectors:
  - name: tokenterminal
    type: tokenterminal
    base_url: not-a-url
    cadence: 1d
    budget_per_hour: 0
    metrics: [revenue]
    assets:
      - { asset: uniswap }
    expectations:
      - { signal: revenue, check: range }
`,
    );
    const result = await runCli(['connectors', 'run', '--once', '--config', config]);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines.map((l) => l.replace(/^ {2}- .*connectors\.yaml:/, ''))).toEqual([
      `3:11: connectors[0].type: a tokenterminal connector needs credentials: { env: TOKEN_TERMINAL_API_KEY } (its API key)`,
      expect.stringMatching(
        /^4:15: connectors\[0\]\.base_url: expected an http\(s\) URL .*found "not-a-url"/,
      ),
      expect.stringMatching(
        /^6:22: connectors\[0\]\.budget_per_hour: expected the requests allowed per hour, a whole number ≥ 1, found 0/,
      ),
      `9:9: connectors[0].assets[0]: a tokenterminal asset needs id, the provider's id of the asset (e.g. id: btc)`,
      `11:35: connectors[0].expectations[0].check: a range check needs min, max or both`,
    ]);
  });

  it('backfills a window, then runs as a service until SIGINT and stops cleanly', async () => {
    const h = await harness('cli-loop');
    const day = 24 * HOUR_MS;
    const midnight = Math.floor(Date.now() / day) * day;
    const server = await coinMetricsServer((asset) =>
      asset === 'btc' ? dailyRows('btc', midnight, 10, (i) => ({ SplyCur: `${100 + i}` })) : [],
    );
    const config = await file(
      'connectors.yaml',
      `connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: ${server.url}/v4
    cadence: 1h
    budget_per_hour: 10
    history: 3d
    metrics: [SplyCur]
    assets:
      - { asset: bitcoin, id: btc }
`,
    );
    const env = { TOPIC_PREFIX: h.prefix, DATABASE_URL: h.url };
    const from = new Date(midnight - 10 * day).toISOString().slice(0, 10);
    const to = new Date(midnight - 5 * day).toISOString().slice(0, 10);
    const backfill = await runCli(
      ['connectors', 'backfill', 'coinmetrics', '--from', from, '--to', to, '--config', config],
      { env },
    );
    expect(backfill.code).toBe(0);
    expect(backfill.stdout).toMatch(/^coinmetrics {2}backfill {2}success {2}rows=5 {2}requests=1 /);

    const service = startCli(['connectors', 'run', '--config', config], { env });
    onTestFinished(() => void service.child.kill('SIGKILL'));
    await waitFor(
      'the first run of the service',
      () => service.stdout().includes('coinmetrics  run  success'),
      { timeoutMs: 30_000 },
    );
    service.child.kill('SIGINT');
    const result = await service.exited;
    expect(result.code).toBe(0);
    // One run (the next is due in an hour): the 5 backfilled days, then the days within the last 3 × 24h.
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect((await h.signals()).map((s) => s.value).sort()).toEqual([100, 101, 102, 103, 104, 108, 109]);
  });
});
