/**
 * The CoinMetrics connector against the Community API v4 stand-in (connectors/demo-server/
 * coinmetrics-api.ts), one test per case of the connectors' test matrix (connectors/README.md,
 * "Tests"): pagination, rate-limit headers, a 429 with Retry-After, a 5xx burst, a 304 with an ETag,
 * drift, an expectation, a moved endpoint (301), the budget, a backfill resumed from its checkpoint;
 * and a quarantined payload.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import { coinMetricsServer, dailyRows } from './coinmetrics-server.ts';
import type { Signal } from '../../schemas/index.ts';
import { connectorOf, harness, json, T0 } from './helpers.ts';

const MIDNIGHT = T0 - 12 * HOUR_MS;

function config(url: string, extra = ''): ReturnType<typeof connectorOf> {
  return connectorOf(`
connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: ${url}/v4
    cadence: 1d
    budget_per_hour: 100
    history: 10d
    page_size: 3
    retries: { attempts: 4, initial: 10ms, max: 50ms }
    metrics: [SplyCur, CapMrktCurUSD]
    assets:
      - { asset: bitcoin, id: btc }
${extra}`);
}

const btc = (days = 7) =>
  dailyRows('btc', MIDNIGHT, days, (i) => ({
    SplyCur: `1958000${i}.123456789`,
    CapMrktCurUSD: `83000000000${i}.1234`,
  }));

describe('CoinMetrics connector', () => {
  it('pagination: pages through next_page_token, parses decimal strings exactly, publishes signals and one IngestRun; replay', async () => {
    const h = await harness('cm-pages');
    const server = await coinMetricsServer((asset) => (asset === 'btc' ? btc() : []));
    const summary = await h.run(config(server.url));

    expect(summary).toMatchObject({ status: 'success', rows: 14, commits: 3, requests: 3, error: null });
    expect(server.exchanges.map((e) => e.query.get('next_page_token'))).toEqual([null, '3', '6']);
    expect(server.exchanges[0]!.query.get('paging_from')).toBe('start');
    // The last page comes without next_page_token/next_page_url: that is paging, not schema drift.
    expect(summary.drift).toEqual([]);
    const signals = await h.signals();
    expect(signals).toHaveLength(14);
    const supply = signals.filter((s) => s.name === 'sply_cur').sort((a, b) => a.ts - b.ts);
    expect(supply.map((s) => s.value)).toEqual(
      Array.from({ length: 7 }, (_, i) => Number(`1958000${i}.123456789`)),
    );
    expect(supply[0]).toMatchObject({
      source: 'coinmetrics',
      asset: 'bitcoin',
      unit: null,
      ts: MIDNIGHT - 7 * DAY_MS,
      labels: { metric: 'SplyCur', provider_id: 'btc' },
      flags: [],
    });
    expect(signals.find((s) => s.name === 'cap_mrkt_cur_usd')?.unit).toBe('USD');
    const [run] = await h.runs();
    expect(run).toMatchObject({
      ingest: 'connector-coinmetrics',
      env: 'prod',
      status: 'success',
      rows: 14,
      error: null,
      data_until: MIDNIGHT - DAY_MS,
    });

    // Replay: the stored responses normalized again, no request, the same signals.
    const replay = await h.run(config(server.url), { mode: 'replay', runId: summary.runId });
    expect(replay).toMatchObject({ status: 'success', rows: 14, requests: 0 });
    expect(server.exchanges).toHaveLength(3);
    const all = await h.signals();
    expect(all.slice(14)).toEqual(all.slice(0, 14));
    expect(await h.runs()).toHaveLength(1); // a replay is no ingest run

    // The next run starts after the newest day published: nothing refetched.
    h.clock.advance(DAY_MS);
    const next = await h.run(config(server.url));
    expect(next.rows).toBe(0);
    expect(server.exchanges[3]!.query.get('start_time')).toBe(new Date(MIDNIGHT - DAY_MS + 1).toISOString());
    expect(next.drift).toEqual([]);

    // Pages again (a backfill): the first page's paging fields are not new fields either.
    const backfill = await h.run(config(server.url), {
      mode: 'backfill',
      window: { fromMs: MIDNIGHT - 10 * DAY_MS, toMs: MIDNIGHT },
    });
    expect(backfill).toMatchObject({ status: 'success', requests: 3, drift: [] });
    expect((await h.metrics()).filter((m) => m.name === 'schema_drift' && m.value > 0)).toEqual([]);
  });

  it('rate-limit headers: a spent x-ratelimit-remaining waits its x-ratelimit-reset (seconds) on the run clock', async () => {
    const h = await harness('cm-headers');
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(4) : []),
      (_exchange, res, n) => {
        if (n === 1) {
          res.setHeader('x-ratelimit-limit', '10');
          res.setHeader('x-ratelimit-remaining', '0');
          res.setHeader('x-ratelimit-reset', '5');
        }
        return false;
      },
    );
    const summary = await h.run(config(server.url));
    expect(summary).toMatchObject({ status: 'success', rows: 8, requests: 2 });
    expect(h.waits).toEqual([5000]);
    expect(h.clock.now()).toBe(T0 + 5000);
    expect(server.exchanges.map((e) => e.query.get('next_page_token'))).toEqual([null, '3']);
  });

  it('429 with Retry-After: waited on the run clock, then the page is asked again', async () => {
    const h = await harness('cm-429');
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(4) : []),
      (_exchange, res, n) =>
        n === 2 &&
        (json(
          res,
          429,
          { error: { type: 'rate_limit', message: 'Requests rate limit exceeded.' } },
          { 'retry-after': '7' },
        ),
        true),
    );
    const summary = await h.run(config(server.url));
    expect(summary).toMatchObject({ status: 'success', rows: 8, requests: 3 });
    expect(h.waits).toEqual([7000]);
    expect(server.exchanges.map((e) => e.query.get('next_page_token'))).toEqual([null, '3', '3']);
    const statuses = (await h.store.responsesOfRun(summary.runId)).map((r) => r.status);
    expect(statuses).toEqual([200, 429, 200]);
  });

  it('5xx burst: 503, a dropped connection and 502 are retried with backoff, then the page is read', async () => {
    const h = await harness('cm-5xx');
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(4) : []),
      (_exchange, res, n) => {
        if (n === 2) return (json(res, 503, { error: 'unavailable' }), true);
        if (n === 3) return (res.destroy(), true);
        if (n === 4) return (json(res, 502, { error: 'bad gateway' }), true);
        return false;
      },
    );
    const summary = await h.run({ ...config(server.url), retry: { attempts: 5, initialMs: 10, maxMs: 50 } });
    expect(summary).toMatchObject({ status: 'success', rows: 8, requests: 5 });
    expect(h.waits).toEqual([]); // the backoff is not a rate-limit wait
    expect(server.exchanges.map((e) => e.query.get('next_page_token'))).toEqual([null, '3', '3', '3', '3']);
  });

  it('304 with an ETag: a backfill re-reading a run’s window sends If-None-Match and is served the cached pages', async () => {
    const h = await harness('cm-etag');
    // An ETag per URL, as an HTTP cache in front of the API gives; a matching If-None-Match gets a 304.
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc() : []),
      (exchange, res) => {
        const etag = `"${createHash('sha256').update(exchange.query.toString()).digest('hex').slice(0, 16)}"`;
        if (exchange.headers['if-none-match'] === etag) return (res.writeHead(304, { etag }).end(), true);
        res.setHeader('etag', etag);
        return false;
      },
    );
    const c = config(server.url);
    const run = await h.run(c);
    expect(run).toMatchObject({ status: 'success', rows: 14, requests: 3, notModified: 0 });
    expect(server.exchanges.every((e) => e.headers['if-none-match'] === undefined)).toBe(true);

    // The same window again (same URLs): every page comes back 304 and is read from the cache.
    const backfill = await h.run(c, { mode: 'backfill', window: { fromMs: T0 - 10 * DAY_MS, toMs: T0 } });
    expect(backfill).toMatchObject({ status: 'success', rows: 14, requests: 3, notModified: 3 });
    const again = server.exchanges.slice(3);
    expect(again.map((e) => e.query.toString())).toEqual(
      server.exchanges.slice(0, 3).map((e) => e.query.toString()),
    );
    expect(again.every((e) => /^"[0-9a-f]{16}"$/.test(String(e.headers['if-none-match'])))).toBe(true);
    const stored = await h.store.responsesOfRun(backfill.runId);
    expect(stored.map((r) => r.status)).toEqual([304, 304, 304]);
    const signals = await h.signals();
    const key = (s: Signal) => `${s.name}@${s.ts}=${s.value}`;
    expect(signals.slice(14).map(key).sort()).toEqual(signals.slice(0, 14).map(key).sort());
  });

  it('rename: a moved endpoint answers 301; followed, recorded, its signals published', async () => {
    const h = await harness('cm-rename');
    // The configured root moved: every request to it answers 301 with the new URL.
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc() : []),
      (exchange, res) => {
        if (!exchange.path.startsWith('/legacy/')) return false;
        const location = `${exchange.path.slice('/legacy'.length)}?${exchange.query.toString()}`;
        res.writeHead(301, { location }).end();
        return true;
      },
    );
    const summary = await h.run({ ...config(server.url), baseUrl: `${server.url}/legacy/v4` });
    expect(summary).toMatchObject({ status: 'success', rows: 14, requests: 6, commits: 3 });
    expect(server.exchanges.map((e) => e.path)).toEqual(
      Array.from({ length: 3 }, () => [
        '/legacy/v4/timeseries/asset-metrics',
        '/v4/timeseries/asset-metrics',
      ]).flat(),
    );
    const renames = await h.store.renames('coinmetrics');
    expect(renames).toHaveLength(3);
    for (const r of renames) {
      expect(new URL(r.fromUrl).pathname).toBe('/legacy/v4/timeseries/asset-metrics');
      expect(new URL(r.toUrl).pathname).toBe('/v4/timeseries/asset-metrics');
      expect(new URL(r.toUrl).search).toBe(new URL(r.fromUrl).search);
    }
    const stored = await h.store.responsesOfRun(summary.runId);
    expect(stored.every((r) => r.redirectedFrom?.includes('/legacy/v4/') === true)).toBe(true);
    expect((await h.signals()).filter((s) => s.name === 'sply_cur')).toHaveLength(7);
  });

  it('budget: never more than the hourly budget; a run with it spent sends nothing', async () => {
    const h = await harness('cm-budget');
    const server = await coinMetricsServer((asset) => (asset === 'btc' ? btc(10) : []));
    const c = { ...config(server.url), budgetPerHour: 3, pageSize: 2 };
    const window = { fromMs: MIDNIGHT - 10 * DAY_MS, toMs: MIDNIGHT };

    const first = await h.run(c, { mode: 'backfill', window });
    expect(first).toMatchObject({ status: 'partial', rows: 12, requests: 3 });
    expect(first.error).toMatch(/^TW_CONNECTOR_BUDGET_SPENT: .*budget_per_hour: 3/);
    expect(await h.store.requestsInHour('coinmetrics', h.clock.now())).toBe(3);

    h.clock.advance(HOUR_MS - 1);
    const spent = await h.run(c, { mode: 'backfill', window });
    expect(spent).toMatchObject({ status: 'failure', requests: 0 });
    expect(server.exchanges).toHaveLength(3);
  });

  it('resume: a backfill stopped mid-way (5xx past its retries) resumes after its last page checkpoint', async () => {
    const h = await harness('cm-resume');
    let down = true;
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(10) : []),
      (exchange, res) =>
        down && exchange.query.get('next_page_token') === '4' && (json(res, 503, { error: 'down' }), true),
    );
    const c = { ...config(server.url), pageSize: 2 };
    const window = { fromMs: MIDNIGHT - 10 * DAY_MS, toMs: MIDNIGHT };
    const scope = `backfill:${window.fromMs}-${window.toMs}:btc`;

    const first = await h.run(c, { mode: 'backfill', window });
    expect(first).toMatchObject({ status: 'partial', rows: 8, commits: 2, requests: 6 });
    expect(first.error).toMatch(/^TW_CONNECTOR_UNAVAILABLE: .*answered 503/);
    expect(await h.store.checkpoints('coinmetrics')).toEqual([
      { scope, checkpoint: { cursor: '4', lastEventAt: MIDNIGHT - 7 * DAY_MS } },
    ]);

    down = false;
    const resumed = await h.run(c, { mode: 'backfill', window });
    expect(resumed).toMatchObject({ status: 'success', rows: 12, commits: 3, requests: 3 });
    expect(server.exchanges[6]!.query.get('start_time')).toBe(
      new Date(MIDNIGHT - 7 * DAY_MS + 1).toISOString(),
    );
    expect(server.exchanges[6]!.query.get('next_page_token')).toBeNull();
    expect(await h.store.checkpoints('coinmetrics')).toEqual([
      { scope, checkpoint: { cursor: null, lastEventAt: MIDNIGHT - DAY_MS } },
    ]);
    // Nothing refetched, nothing skipped: each day once.
    const days = (await h.signals()).filter((s) => s.name === 'sply_cur').map((s) => s.ts);
    expect(days).toHaveLength(10);
    expect(new Set(days).size).toBe(10);
  });

  it('drift: a new field and a retyped one report schema drift, then 0 on the next clean run', async () => {
    const h = await harness('cm-drift');
    let changed = false;
    const server = await coinMetricsServer((asset) =>
      asset === 'btc' ? btc(2).map((r) => (changed ? { ...r, SplyCur: 19580000, NewField: 'x' } : r)) : [],
    );
    const c = config(server.url);
    const backfill = (days: number) =>
      h.run(c, { mode: 'backfill', window: { fromMs: MIDNIGHT - days * DAY_MS, toMs: MIDNIGHT } });
    expect((await backfill(2)).drift).toEqual([]);

    changed = true;
    h.clock.advance(60_000);
    const summary = await backfill(3);
    expect(summary.status).toBe('success');
    expect(summary.drift).toEqual([
      {
        endpoint: '/timeseries/asset-metrics',
        drift: { added: ['$.data[].NewField'], missing: [], retyped: ['$.data[].SplyCur'] },
        previousFields: '',
      },
    ]);
    const drift = (await h.metrics()).find((m) => m.name === 'schema_drift' && m.value > 0);
    expect(drift).toMatchObject({
      value: 2,
      labels: {
        connector: 'coinmetrics',
        env: 'prod',
        endpoint: '/timeseries/asset-metrics',
        fields: '$.data[].NewField,$.data[].SplyCur',
      },
    });
    expect((await h.store.shape('coinmetrics', '/timeseries/asset-metrics'))?.driftFields).toBe(
      '$.data[].NewField,$.data[].SplyCur',
    );

    // The next run sees the new shape again: no drift, and 0 on the drift's series (its alert resolves).
    h.clock.advance(60_000);
    const clean = await backfill(4);
    expect(clean.drift).toEqual([]);
    const after = (await h.metrics()).filter((m) => m.name === 'schema_drift' && m.ts === clean.finishedAt);
    expect(after.map((m) => [m.labels['fields'], m.value])).toEqual([
      ['$.data[].NewField,$.data[].SplyCur', 0],
    ]);
  });

  it('expectation: a value breaking one is published flagged; the expectation fails past its tolerance', async () => {
    const h = await harness('cm-expect');
    const server = await coinMetricsServer((asset) =>
      asset === 'btc'
        ? btc(2).map((r, i) => (i === 1 ? { ...r, SplyCur: '-5', CapMrktCurUSD: '0' } : r))
        : [],
    );
    const c = config(
      server.url,
      `    expectations:
      - { signal: sply_cur, check: non_negative }
      - { signal: cap_*, check: positive, tolerate: 0.5 }`,
    );
    const summary = await h.run(c);
    expect(summary).toMatchObject({ status: 'success', rows: 4, flagged: 2 });
    expect(summary.failedExpectations).toEqual(['sply_cur non_negative (1/2)']);
    const flagged = (await h.signals()).filter((s) => s.flags.length > 0);
    expect(flagged.map((s) => [s.name, s.value, s.flags])).toEqual([
      ['sply_cur', -5, ['non_negative']],
      ['cap_mrkt_cur_usd', 0, ['positive']],
    ]);
    const metrics = (await h.metrics()).filter((m) => m.ts === summary.finishedAt);
    const tallies = (name: string) =>
      metrics
        .filter((m) => m.name === name)
        .map((m) => [m.labels['signal'], m.value])
        .sort();
    expect(tallies('expectation_violations')).toEqual([
      ['cap_*', 1],
      ['sply_cur', 1],
    ]);
    expect(tallies('expectation_failed')).toEqual([
      ['cap_*', 0],
      ['sply_cur', 1],
    ]);
  });

  it('quarantine: an unreadable payload is kept raw, the run goes on and ends partial', async () => {
    const h = await harness('cm-quarantine');
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(2) : []),
      (exchange, res) =>
        exchange.query.get('assets') === 'eth' &&
        (res.writeHead(200, { 'content-type': 'application/json' }).end('<html>maintenance</html>'), true),
    );
    const summary = await h.run(config(server.url, '      - { asset: ethereum, id: eth }'));
    expect(summary).toMatchObject({ status: 'partial', rows: 4, quarantined: 1 });
    expect(summary.error).toMatch(/1 payload\(s\) quarantined/);
    const quarantined = await h.store.quarantined('coinmetrics');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ endpoint: '/timeseries/asset-metrics', runId: summary.runId });
    expect(quarantined[0]!.error).toMatch(/not JSON/);
    const metrics = await h.metrics();
    expect(metrics.find((m) => m.name === 'connector_quarantined_payloads')?.value).toBe(1);
  });
});
