/**
 * A CoinMetrics Community API v4 stand-in: `GET /v4/timeseries/asset-metrics` with `assets`,
 * `metrics`, `start_time`, `end_time`, `page_size`, `paging_from=start` and `next_page_token`,
 * answering `{ data: [{ asset, time, <metric>: "<decimal string>" }], next_page_token, next_page_url }`
 * as the API documents. Other paths answer 404.
 */
import { DAY_MS } from '../../core/durations.ts';
import { json, startProviderServer, type Override, type ProviderServer } from './provider-server.ts';

/** One row of the API: `asset`, `time` and the metrics (decimal strings, as the API sends them). */
export type Row = Record<string, string | number | null>;

/** `days` daily rows of `asset` ending the day before `endDay` (epoch ms of a midnight). */
export function dailyRows(asset: string, endDay: number, days: number, value: (i: number) => Row): Row[] {
  return Array.from({ length: days }, (_, i) => ({
    asset,
    time: new Date(endDay - (days - i) * DAY_MS).toISOString().replace('.000Z', '.000000000Z'),
    ...value(i),
  }));
}

/** Starts a CoinMetrics API whose rows of an asset id are `rows(id)`, on a free loopback port. */
export async function startCoinMetricsServer(
  rows: (asset: string) => Row[],
  override?: Override,
): Promise<ProviderServer> {
  const server: ProviderServer = await startProviderServer((exchange, res, n) => {
    if (override?.(exchange, res, n) === true) return;
    if (exchange.path !== '/v4/timeseries/asset-metrics')
      return json(res, 404, { error: { type: 'not_found', message: 'Not found.' } });
    const q = exchange.query;
    const start = Date.parse(q.get('start_time') ?? '1970-01-01T00:00:00Z');
    const end = Date.parse(q.get('end_time') ?? '2100-01-01T00:00:00Z');
    const size = Number(q.get('page_size') ?? '100');
    const metrics = (q.get('metrics') ?? '').split(',');
    const all = rows(q.get('assets') ?? '').filter((r) => {
      const t = Date.parse(String(r['time']).replace(/(\.\d{3})\d+/, '$1'));
      return t >= start && t <= end;
    });
    const offset = Number(q.get('next_page_token') ?? '0');
    const page = all.slice(offset, offset + size).map((r) => {
      const out: Row = { asset: r['asset'] ?? null, time: r['time'] ?? null };
      for (const [k, v] of Object.entries(r))
        if (metrics.includes(k) || !['asset', 'time'].includes(k)) out[k] = v;
      return out;
    });
    const next = offset + size < all.length ? String(offset + size) : undefined;
    const nextUrl = new URL(`${server.url}${exchange.path}`);
    for (const [k, v] of q) nextUrl.searchParams.set(k, v);
    if (next !== undefined) nextUrl.searchParams.set('next_page_token', next);
    json(res, 200, {
      data: page,
      ...(next === undefined ? {} : { next_page_token: next, next_page_url: nextUrl.href }),
    });
  });
  return server;
}
