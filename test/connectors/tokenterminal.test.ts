/**
 * The Token Terminal connector against the API v2 stand-in (connectors/demo-server/tokenterminal-api.ts),
 * one test per case of the connectors' test matrix (connectors/README.md, "Tests"): requests (the
 * endpoint is not paged), its per-minute pace, a 429 with Retry-After, a 5xx burst, a 304 with an ETag,
 * drift, an expectation, a renamed project (308), the budget, a backfill resumed from its checkpoint;
 * and a refused key.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import type { Signal } from '../../schemas/index.ts';
import { connectorOf, harness, json, T0 } from './helpers.ts';
import { tokenTerminalServer } from './tokenterminal-server.ts';

const MIDNIGHT = T0 - 12 * HOUR_MS;
const KEY = 'tt-secret-key-123';
const PROJECTS = ['uniswap', 'sushi', 'aave'];

/** Revenue and fees of each project (sushi has no fees). */
const values = (project: string, metric: string): number | null | undefined =>
  !PROJECTS.includes(project)
    ? undefined
    : metric === 'revenue'
      ? { uniswap: 1000.5, sushi: 20.25, aave: 300 }[project]!
      : project === 'sushi'
        ? null
        : 5000;

const config = (url: string, assets: string, extra = '') =>
  connectorOf(`
connectors:
  - name: tokenterminal
    type: tokenterminal
    base_url: ${url}/v2
    credentials: { env: TOKEN_TERMINAL_API_KEY }
    cadence: 1d
    budget_per_hour: 1000
    history: 3d
    retries: { attempts: 4, initial: 10ms, max: 50ms }
    metrics: [revenue, fees]
    assets:
${assets}
${extra}`);

const UNISWAP = '      - { asset: uniswap, id: uniswap }';
const ALL = PROJECTS.map((p) => `      - { asset: ${p}, id: ${p} }`).join('\n');
/** The days a run at T0 with a 3d history asks for. */
const RANGE = { start: '2026-02-27', end: '2026-03-02' };

const revenue = (signals: readonly Signal[], asset: string) =>
  signals
    .filter((s) => s.asset === asset && s.name === 'revenue')
    .sort((a, b) => a.ts - b.ts)
    .map((s) => s.value);

describe('Token Terminal connector', () => {
  it('pagination: none (one response per project and range); one request per project with every metric', async () => {
    // Token Terminal v2's projects/{id}/metrics answers the whole [start, end] range at once: no page
    // token nor Link. What matters is that a run asks each project once, for all its metrics.
    const h = await harness('tt-requests');
    const server = await tokenTerminalServer(values, { key: KEY });
    const summary = await h.run(config(server.url, ALL), { mode: 'run' }, KEY);

    expect(summary).toMatchObject({ status: 'success', requests: 3, commits: 3, rows: 3 * 4 * 2 });
    expect(server.exchanges.map((e) => [e.path, Object.fromEntries(e.query)])).toEqual(
      PROJECTS.map((p) => [`/v2/projects/${p}/metrics`, { metric_ids: 'revenue,fees', ...RANGE }]),
    );
    expect(server.exchanges.every((e) => e.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const signals = await h.signals();
    expect(revenue(signals, 'uniswap')).toEqual([1000.5, 1000.5, 1000.5, 1000.5]);
    expect(signals.find((s) => s.asset === 'uniswap' && s.name === 'revenue')).toMatchObject({
      source: 'tokenterminal',
      unit: 'USD',
      ts: MIDNIGHT - 3 * DAY_MS,
      labels: { metric: 'revenue', project_id: 'uniswap' },
      flags: [],
    });
    const fees = signals.filter((s) => s.asset === 'sushi' && s.name === 'fees');
    expect(fees.every((s) => Number.isNaN(s.value) && s.flags.includes('not_null'))).toBe(true);
    // The key is never stored.
    expect(JSON.stringify(await h.store.responsesOfRun(summary.runId))).not.toContain(KEY);
    const [run] = await h.runs();
    expect(run).toMatchObject({ ingest: 'connector-tokenterminal', status: 'success', rows: 24 });
  });

  it('rate limit: its published per-minute limit is our pace (waits on the run clock)', async () => {
    const h = await harness('tt-pace');
    const server = await tokenTerminalServer(values, { key: KEY });
    const summary = await h.run({ ...config(server.url, ALL), ratePerMinute: 2 }, { mode: 'run' }, KEY);
    expect(summary).toMatchObject({ status: 'success', requests: 3 });
    // Two requests a minute: the third waits for a token (30 s on the manual clock).
    expect(h.waits).toEqual([30_000]);
    expect(server.exchanges).toHaveLength(3);
  });

  it('429 with Retry-After: waited on the run clock, then the project is asked again', async () => {
    const h = await harness('tt-429');
    const server = await tokenTerminalServer(values, {
      key: KEY,
      override: (_exchange, res, n) =>
        n === 1 && (json(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '20' }), true),
    });
    const summary = await h.run(config(server.url, UNISWAP), { mode: 'run' }, KEY);
    expect(summary).toMatchObject({ status: 'success', requests: 2, rows: 8 });
    expect(h.waits).toEqual([20_000]);
    expect((await h.store.responsesOfRun(summary.runId)).map((r) => r.status)).toEqual([429, 200]);
  });

  it('5xx burst: 500, 503 and 502 are retried with backoff, then the project is read', async () => {
    const h = await harness('tt-5xx');
    const server = await tokenTerminalServer(values, {
      key: KEY,
      override: (_exchange, res, n) =>
        n <= 3 && (json(res, [500, 503, 502][n - 1]!, { message: 'Internal Server Error' }), true),
    });
    const summary = await h.run(config(server.url, UNISWAP), { mode: 'run' }, KEY);
    expect(summary).toMatchObject({ status: 'success', requests: 4, rows: 8 });
    expect((await h.store.responsesOfRun(summary.runId)).map((r) => r.status)).toEqual([500, 503, 502, 200]);
    expect(revenue(await h.signals(), 'uniswap')).toHaveLength(4);
  });

  it('304 with an ETag: a backfill re-reading a run’s range sends If-None-Match and is served the cached body', async () => {
    const h = await harness('tt-etag');
    // An ETag per URL, as an HTTP cache in front of the API gives; a matching If-None-Match gets a 304.
    const server = await tokenTerminalServer(values, {
      key: KEY,
      override: (exchange, res) => {
        const etag = `"${createHash('sha256')
          .update(exchange.path + exchange.query.toString())
          .digest('hex')
          .slice(0, 16)}"`;
        if (exchange.headers['if-none-match'] === etag) return (res.writeHead(304, { etag }).end(), true);
        res.setHeader('etag', etag);
        return false;
      },
    });
    const c = config(server.url, UNISWAP);
    const run = await h.run(c, { mode: 'run' }, KEY);
    expect(run).toMatchObject({ status: 'success', requests: 1, notModified: 0, rows: 8 });

    const backfill = await h.run(c, { mode: 'backfill', window: { fromMs: T0 - 3 * DAY_MS, toMs: T0 } }, KEY);
    expect(backfill).toMatchObject({ status: 'success', requests: 1, notModified: 1, rows: 8 });
    expect(server.exchanges[1]!.query.toString()).toBe(server.exchanges[0]!.query.toString());
    expect(server.exchanges[1]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{16}"$/);
    expect((await h.store.responsesOfRun(backfill.runId)).map((r) => r.status)).toEqual([304]);
    const signals = await h.signals();
    expect(signals.slice(8).map((s) => [s.name, s.ts, s.value])).toEqual(
      signals.slice(0, 8).map((s) => [s.name, s.ts, s.value]),
    );
  });

  it('drift: a retyped metric and a new field report schema drift, then 0 on the next clean run', async () => {
    const h = await harness('tt-drift');
    let drifted = false;
    const server = await tokenTerminalServer(values, {
      key: KEY,
      override: (exchange, res) => {
        if (!drifted) return false;
        // Revenue as a decimal string, and a new field.
        json(res, 200, {
          data: [
            {
              timestamp: new Date(MIDNIGHT).toISOString(),
              project_id: 'uniswap',
              project_name: 'Uniswap',
              revenue: '1000.5',
              fees: 5000,
              chain: exchange.query.get('start'),
            },
          ],
        });
        return true;
      },
    });
    const c = config(server.url, UNISWAP);
    expect((await h.run(c, { mode: 'run' }, KEY)).drift).toEqual([]);

    drifted = true;
    h.clock.advance(DAY_MS);
    const summary = await h.run(c, { mode: 'run' }, KEY);
    expect(summary).toMatchObject({ status: 'success', quarantined: 0 });
    expect(summary.drift).toEqual([
      {
        endpoint: '/projects/{project_id}/metrics',
        drift: { added: ['$.data[].chain'], missing: [], retyped: ['$.data[].revenue'] },
        previousFields: '',
      },
    ]);
    const metric = (await h.metrics()).find((m) => m.name === 'schema_drift' && m.value > 0);
    expect(metric).toMatchObject({
      value: 2,
      labels: { connector: 'tokenterminal', endpoint: '/projects/{project_id}/metrics' },
    });

    // The next run sees the new shape again: no drift, and 0 on the drift's series (its alert resolves).
    h.clock.advance(DAY_MS);
    const clean = await h.run(c, { mode: 'run' }, KEY);
    expect(clean.drift).toEqual([]);
    const after = (await h.metrics()).filter((m) => m.name === 'schema_drift' && m.ts === clean.finishedAt);
    expect(after.map((m) => [m.labels['fields'], m.value])).toEqual([['$.data[].chain,$.data[].revenue', 0]]);
  });

  it('expectation: a negative revenue is published flagged, and the expectation fails', async () => {
    const h = await harness('tt-expect');
    const server = await tokenTerminalServer(
      (project, metric, day) =>
        project === 'uniswap' && metric === 'revenue' && day === MIDNIGHT ? -12 : values(project, metric),
      { key: KEY },
    );
    const summary = await h.run(
      config(
        server.url,
        UNISWAP,
        `    expectations:
      - { signal: revenue, check: non_negative }`,
      ),
      { mode: 'run' },
      KEY,
    );
    expect(summary).toMatchObject({ status: 'success', flagged: 1 });
    expect(summary.failedExpectations).toEqual(['revenue non_negative (1/4)']);
    const flagged = (await h.signals()).filter((s) => s.flags.length > 0);
    expect(flagged.map((s) => [s.name, s.value, s.ts, s.flags])).toEqual([
      ['revenue', -12, MIDNIGHT, ['non_negative']],
    ]);
    const metrics = (await h.metrics()).filter((m) => m.labels['signal'] === 'revenue');
    expect(metrics.map((m) => [m.name, m.value]).sort()).toEqual([
      ['expectation_failed', 1],
      ['expectation_violations', 1],
    ]);
  });

  it('rename: a renamed project answers 308; followed, recorded, labelled with the id that answered', async () => {
    const h = await harness('tt-rename');
    const server = await tokenTerminalServer(values, { key: KEY, renamed: { sushiswap: 'sushi' } });
    const summary = await h.run(
      config(server.url, '      - { asset: sushi, id: sushiswap }'),
      { mode: 'run' },
      KEY,
    );

    expect(summary).toMatchObject({ status: 'success', requests: 2, rows: 8 });
    expect(server.exchanges.map((e) => e.path)).toEqual([
      '/v2/projects/sushiswap/metrics',
      '/v2/projects/sushi/metrics',
    ]);
    expect(server.exchanges[1]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const query = 'metric_ids=revenue%2Cfees&start=2026-02-27&end=2026-03-02';
    expect(await h.store.renames('tokenterminal')).toEqual([
      {
        fromUrl: `${server.url}/v2/projects/sushiswap/metrics?${query}`,
        toUrl: `${server.url}/v2/projects/sushi/metrics?${query}`,
      },
    ]);
    expect(await h.store.checkpoints('tokenterminal')).toEqual([
      {
        scope: 'sushiswap',
        checkpoint: { cursor: `${server.url}/v2/projects/sushi/metrics?${query}`, lastEventAt: MIDNIGHT },
      },
    ]);
    const sushi = await h.signals();
    expect(sushi).toHaveLength(8);
    expect(sushi.every((s) => s.asset === 'sushi' && s.labels['project_id'] === 'sushi')).toBe(true);
  });

  it('budget: never more than the hourly budget; the run ends partial', async () => {
    const h = await harness('tt-budget');
    const server = await tokenTerminalServer(values, { key: KEY });
    const summary = await h.run({ ...config(server.url, ALL), budgetPerHour: 2 }, { mode: 'run' }, KEY);
    expect(summary).toMatchObject({ status: 'partial', requests: 2, commits: 2, rows: 16 });
    expect(summary.error).toMatch(/^TW_CONNECTOR_BUDGET_SPENT: .*budget_per_hour: 2/);
    expect(server.exchanges).toHaveLength(2);
    expect(await h.store.requestsInHour('tokenterminal', h.clock.now())).toBe(2);
  });

  it('resume: a backfill stopped by the budget resumes from its checkpoints, done projects not asked again', async () => {
    const h = await harness('tt-resume');
    const server = await tokenTerminalServer(values, { key: KEY });
    const c = { ...config(server.url, ALL), budgetPerHour: 2 };
    const window = { fromMs: MIDNIGHT - 5 * DAY_MS, toMs: MIDNIGHT };
    const scope = (p: string) => `backfill:${window.fromMs}-${window.toMs}:${p}`;

    const first = await h.run(c, { mode: 'backfill', window }, KEY);
    expect(first).toMatchObject({ status: 'partial', requests: 2, commits: 2 });
    expect((await h.store.checkpoints('tokenterminal')).map((x) => x.scope)).toEqual(
      ['uniswap', 'sushi'].map(scope).sort(),
    );

    h.clock.advance(HOUR_MS);
    const resumed = await h.run(c, { mode: 'backfill', window }, KEY);
    expect(resumed).toMatchObject({ status: 'success', requests: 1, commits: 1, rows: 10 });
    expect(server.exchanges.map((e) => e.path)).toEqual(PROJECTS.map((p) => `/v2/projects/${p}/metrics`));
    expect(server.exchanges[2]!.query.get('start')).toBe('2026-02-25');
    expect(server.exchanges[2]!.query.get('end')).toBe('2026-03-01');
    expect(await h.store.checkpoints('tokenterminal')).toEqual(
      PROJECTS.map((p) => ({
        scope: scope(p),
        checkpoint: { cursor: null, lastEventAt: MIDNIGHT - DAY_MS },
      })).sort((a, b) => a.scope.localeCompare(b.scope)),
    );
    // Every project's days once.
    const signals = await h.signals();
    for (const p of PROJECTS) expect(revenue(signals, p)).toHaveLength(5);
  });

  it('refused key: names the status and the fix, without the key', async () => {
    const h = await harness('tt-401');
    const server = await tokenTerminalServer(values, { key: KEY });
    const summary = await h.run(config(server.url, UNISWAP), { mode: 'run' }, 'wrong-key');
    expect(summary.status).toBe('failure');
    expect(summary.error).toMatch(
      /^TW_CONNECTOR_REJECTED: tokenterminal: GET .*\/v2\/projects\/uniswap\/metrics.* answered 401 .*check the credentials/,
    );
    expect(summary.error).not.toContain('wrong-key');
    const [run] = await h.runs();
    expect(run).toMatchObject({ ingest: 'connector-tokenterminal', status: 'failure', rows: 0 });
  });
});
