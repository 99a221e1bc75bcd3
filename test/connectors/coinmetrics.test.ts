import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../core/durations.ts';
import { coinMetricsServer, dailyRows } from './coinmetrics-server.ts';
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
  it('pages through next_page_token, parses decimal strings exactly and publishes signals and one IngestRun', async () => {
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

  it('waits as the rate-limit headers and Retry-After say, and retries a 5xx burst', async () => {
    const h = await harness('cm-limits');
    const server = await coinMetricsServer(
      (asset) => (asset === 'btc' ? btc(4) : []),
      (_exchange, res, n) => {
        if (n === 2) return (json(res, 429, { error: { type: 'rate_limit' } }, { 'retry-after': '7' }), true);
        if (n === 3) return (json(res, 503, { error: 'unavailable' }), true);
        if (n === 4) return (res.destroy(), true);
        if (n === 5) return (json(res, 502, { error: 'bad gateway' }), true);
        if (n === 1) {
          res.setHeader('x-ratelimit-remaining', '0');
          res.setHeader('x-ratelimit-reset', '5');
        }
        return false;
      },
    );
    const summary = await h.run({ ...config(server.url), retry: { attempts: 5, initialMs: 10, maxMs: 50 } });
    expect(summary).toMatchObject({ status: 'success', rows: 8, requests: 6 });
    expect(h.waits).toEqual([5000, 7000]);
    expect(server.exchanges.map((e) => e.query.get('next_page_token'))).toEqual([
      null,
      '3',
      '3',
      '3',
      '3',
      '3',
    ]);
  });

  it('never exceeds the hourly budget and resumes a backfill from its checkpoint', async () => {
    const h = await harness('cm-budget');
    const rows = btc(10);
    const server = await coinMetricsServer((asset) => (asset === 'btc' ? rows : []));
    const c = { ...config(server.url), budgetPerHour: 3, pageSize: 2 };
    const window = { fromMs: MIDNIGHT - 10 * DAY_MS, toMs: MIDNIGHT };

    const first = await h.run(c, { mode: 'backfill', window });
    expect(first).toMatchObject({ status: 'partial', rows: 12, requests: 3 });
    expect(first.error).toMatch(/^TW_CONNECTOR_BUDGET_SPENT: .*budget_per_hour: 3/);
    expect(await h.store.requestsInHour('coinmetrics', h.clock.now())).toBe(3);

    const spent = await h.run(c, { mode: 'backfill', window });
    expect(spent).toMatchObject({ status: 'failure', requests: 0 });
    expect(server.exchanges).toHaveLength(3);

    h.clock.advance(HOUR_MS);
    const resumed = await h.run(c, { mode: 'backfill', window });
    expect(resumed).toMatchObject({ status: 'success', rows: 8, requests: 2 });
    expect(server.exchanges[3]!.query.get('start_time')).toBe(
      new Date(MIDNIGHT - 5 * DAY_MS + 1).toISOString(),
    );
    const days = (await h.signals()).filter((s) => s.name === 'sply_cur').map((s) => s.ts);
    expect(days).toHaveLength(10);
    expect(new Set(days).size).toBe(10);
  });

  it('reports schema drift, quarantines an unreadable payload and flags expectation violations', async () => {
    const h = await harness('cm-quality');
    let changed = false;
    const server = await coinMetricsServer(
      (asset) =>
        asset === 'btc'
          ? btc(2).map((r, i) => (changed ? { ...r, SplyCur: i === 1 ? -5 : 19580000, NewField: 'x' } : r))
          : dailyRows('eth', MIDNIGHT, 2, () => ({ SplyCur: '120000000', CapMrktCurUSD: '1' })),
      (exchange, res) => {
        if (changed && exchange.query.get('assets') === 'eth') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('<html>maintenance</html>');
          return true;
        }
        return false;
      },
    );
    const c = config(
      server.url,
      `      - { asset: ethereum, id: eth }
    expectations:
      - { signal: sply_cur, check: non_negative }
      - { signal: cap_*, check: positive, tolerate: 0.5 }`,
    );
    expect(
      (await h.run(c, { mode: 'backfill', window: { fromMs: MIDNIGHT - 2 * DAY_MS, toMs: MIDNIGHT } }))
        .status,
    ).toBe('success');

    changed = true;
    h.clock.advance(60_000);
    const summary = await h.run(c, {
      mode: 'backfill',
      window: { fromMs: MIDNIGHT - 3 * DAY_MS, toMs: MIDNIGHT },
    });
    expect(summary.status).toBe('partial');
    expect(summary.quarantined).toBe(1);
    expect(summary.error).toMatch(/1 payload\(s\) quarantined/);
    expect(summary.drift).toEqual([
      {
        endpoint: '/timeseries/asset-metrics',
        drift: { added: ['$.data[].NewField'], missing: [], retyped: ['$.data[].SplyCur'] },
        previousFields: '',
      },
    ]);
    expect(summary.failedExpectations).toEqual(['sply_cur non_negative (1/2)']);
    const quarantined = await h.store.quarantined('coinmetrics');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ endpoint: '/timeseries/asset-metrics', runId: summary.runId });
    expect(quarantined[0]!.error).toMatch(/not JSON/);

    const flagged = (await h.signals()).filter((s) => s.flags.length > 0);
    expect(flagged).toEqual([
      expect.objectContaining({ asset: 'bitcoin', name: 'sply_cur', value: -5, flags: ['non_negative'] }),
    ]);
    const metrics = await h.metrics();
    const drift = metrics.find((m) => m.name === 'schema_drift' && m.value > 0);
    expect(drift).toMatchObject({
      value: 2,
      labels: {
        connector: 'coinmetrics',
        env: 'prod',
        endpoint: '/timeseries/asset-metrics',
        fields: '$.data[].NewField,$.data[].SplyCur',
      },
    });
    const failed = metrics.filter((m) => m.name === 'expectation_failed' && m.ts === summary.finishedAt);
    expect(failed.map((m) => [m.labels['signal'], m.value]).sort()).toEqual([
      ['cap_*', 0],
      ['sply_cur', 1],
    ]);
    expect(metrics.find((m) => m.name === 'connector_quarantined_payloads' && m.value === 1)).toBeDefined();

    expect((await h.store.shape('coinmetrics', '/timeseries/asset-metrics'))?.driftFields).toBe(
      '$.data[].NewField,$.data[].SplyCur',
    );
    // The next run sees the new shape again: no drift, and 0 on the drift's series (its alert resolves).
    h.clock.advance(60_000);
    const clean = await h.run(c, {
      mode: 'backfill',
      window: { fromMs: MIDNIGHT - 4 * DAY_MS, toMs: MIDNIGHT },
    });
    expect(clean.drift).toEqual([]);
    const after = (await h.metrics()).filter((m) => m.name === 'schema_drift' && m.ts === clean.finishedAt);
    expect(after.map((m) => [m.labels['fields'], m.value])).toEqual([
      ['$.data[].NewField,$.data[].SplyCur', 0],
    ]);
  });
});
