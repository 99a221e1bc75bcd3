import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import { connectorOf, harness, json, providerServer, T0 } from './helpers.ts';

const MIDNIGHT = T0 - 12 * HOUR_MS;
const KEY = 'tt-secret-key-123';

/** Token Terminal API v2: `GET /v2/projects/{id}/metrics`, bearer key, 308 for a renamed project. */
async function tokenTerminal() {
  return providerServer((exchange, res) => {
    if (exchange.headers.authorization !== `Bearer ${KEY}`)
      return json(res, 401, { message: 'Unauthorized' });
    const match = /^\/v2\/projects\/([^/]+)\/metrics$/.exec(exchange.path);
    if (match === null) return json(res, 404, { message: 'Not found' });
    const id = match[1]!;
    if (id === 'sushiswap') {
      res.writeHead(308, { location: `/v2/projects/sushi/metrics?${exchange.query.toString()}` }).end();
      return;
    }
    const start = Date.parse(`${exchange.query.get('start')}T00:00:00Z`);
    const end = Date.parse(`${exchange.query.get('end')}T00:00:00Z`);
    const data = [];
    for (let t = start; t <= end; t += DAY_MS) {
      data.push({
        timestamp: new Date(t).toISOString(),
        project_id: id,
        project_name: id,
        revenue: id === 'uniswap' ? 1000.5 : 20.25,
        fees: id === 'uniswap' ? 5000 : null,
      });
    }
    json(res, 200, { data });
  });
}

const config = (url: string, assets: string) =>
  connectorOf(`
connectors:
  - name: tokenterminal
    type: tokenterminal
    base_url: ${url}/v2
    credentials: { env: TOKEN_TERMINAL_API_KEY }
    cadence: 1d
    budget_per_hour: 1000
    rate_per_minute: 2
    history: 3d
    metrics: [revenue, fees]
    assets:
${assets}`);

describe('Token Terminal connector', () => {
  it('sends the bearer key, paces itself to its per-minute limit, follows and records a renamed project', async () => {
    const h = await harness('tt');
    const server = await tokenTerminal();
    const c = config(
      server.url,
      `      - { asset: uniswap, id: uniswap }
      - { asset: sushi, id: sushiswap }`,
    );
    const summary = await h.run(c, { mode: 'run' }, KEY);

    expect(summary).toMatchObject({ status: 'success', requests: 3 });
    expect(server.exchanges.map((e) => e.path)).toEqual([
      '/v2/projects/uniswap/metrics',
      '/v2/projects/sushiswap/metrics',
      '/v2/projects/sushi/metrics',
    ]);
    // Two requests a minute: the third waits for a token (30 s on the manual clock).
    expect(h.waits).toEqual([30_000]);
    expect(await h.store.renames('tokenterminal')).toEqual([
      {
        fromUrl: `${server.url}/v2/projects/sushiswap/metrics?metric_ids=revenue%2Cfees&start=2026-02-27&end=2026-03-02`,
        toUrl: `${server.url}/v2/projects/sushi/metrics?metric_ids=revenue%2Cfees&start=2026-02-27&end=2026-03-02`,
      },
    ]);
    const signals = await h.signals();
    const sushi = signals.filter((s) => s.asset === 'sushi');
    expect(sushi.length).toBeGreaterThan(0);
    expect(sushi.every((s) => s.labels['project_id'] === 'sushi')).toBe(true);
    const nullFees = sushi.filter((s) => s.name === 'fees');
    expect(nullFees.every((s) => Number.isNaN(s.value) && s.flags.includes('not_null'))).toBe(true);
    expect(signals.find((s) => s.asset === 'uniswap' && s.name === 'revenue')).toMatchObject({
      value: 1000.5,
      unit: 'USD',
      ts: MIDNIGHT - 3 * DAY_MS,
    });
    // The key is never stored.
    const stored = await h.store.responsesOfRun(summary.runId);
    expect(JSON.stringify(stored)).not.toContain(KEY);
  });

  it('names the status and the fix when the key is refused, without the key', async () => {
    const h = await harness('tt-401');
    const server = await tokenTerminal();
    const summary = await h.run(
      config(server.url, '      - { asset: uniswap, id: uniswap }'),
      { mode: 'run' },
      'wrong-key',
    );
    expect(summary.status).toBe('failure');
    expect(summary.error).toMatch(
      /^TW_CONNECTOR_REJECTED: tokenterminal: GET .*\/v2\/projects\/uniswap\/metrics.* answered 401 .*check the credentials/,
    );
    expect(summary.error).not.toContain('wrong-key');
    const [run] = await h.runs();
    expect(run).toMatchObject({ ingest: 'connector-tokenterminal', status: 'failure', rows: 0 });
  });
});
