/**
 * CoinMetrics Community API v4, `GET /timeseries/asset-metrics`: per asset, the configured metrics at
 * daily frequency, pages ascending in time (`paging_from=start`), each next page through
 * `next_page_token`. Values arrive as decimal strings and are parsed exactly. A page is committed
 * (published, then checkpointed with its newest time) before the next is asked for, so a restart
 * resumes right after the last page published. Signals: `<metric in snake_case>` per asset and day,
 * labelled with the provider's metric id and asset id.
 */
import type { ConnectorConfig } from '../config/types.ts';
import { exactNumber, isoTime, list, parseJson, record, snakeCase } from '../parse.ts';
import {
  payloadOf,
  PayloadError,
  type Connector,
  type Payload,
  type RunContext,
  type SignalValue,
} from '../types.ts';

const ENDPOINT = '/timeseries/asset-metrics';

export function createCoinMetricsConnector(config: ConnectorConfig, apiKey: string | null): Connector {
  const assetOf = new Map(config.assets.map((a) => [a.id ?? '', a.asset]));
  return {
    name: config.name,
    // The last page comes without them.
    optionalFields: { [ENDPOINT]: ['$.next_page_token', '$.next_page_url'] },
    async run(context: RunContext): Promise<void> {
      for (const asset of config.assets) {
        const id = asset.id ?? '';
        const checkpoint = await context.checkpoint(id);
        const from = Math.max(
          context.window.fromMs,
          checkpoint?.lastEventAt === null || checkpoint === undefined
            ? -Infinity
            : checkpoint.lastEventAt + 1,
        );
        if (from >= context.window.toMs) continue;
        const query = new URLSearchParams({
          assets: id,
          metrics: config.metrics.join(','),
          frequency: '1d',
          start_time: new Date(from).toISOString(),
          end_time: new Date(context.window.toMs - 1).toISOString(),
          page_size: String(config.pageSize),
          paging_from: 'start',
        });
        if (apiKey !== null) query.set('api_key', apiKey);
        let lastEventAt = checkpoint?.lastEventAt ?? null;
        let token: string | null = null;
        do {
          if (token !== null) query.set('next_page_token', token);
          const result = await context.http.request({
            endpoint: ENDPOINT,
            url: `${config.baseUrl}${ENDPOINT}?${query.toString()}`,
          });
          const payload = payloadOf({ ...result, endpoint: ENDPOINT });
          const page = pageOf(payload);
          token = page.nextPageToken;
          lastEventAt = Math.max(lastEventAt ?? -Infinity, page.newest ?? -Infinity);
          await context.commit(id, [payload], {
            cursor: token,
            lastEventAt: Number.isFinite(lastEventAt) ? lastEventAt : null,
          });
        } while (token !== null);
      }
    },
    normalize(_scope: string, payloads: readonly Payload[]): SignalValue[] {
      const values: SignalValue[] = [];
      for (const payload of payloads) {
        const body = record(ENDPOINT, parseJson(ENDPOINT, payload.body), 'the response');
        list(ENDPOINT, body['data'], 'data').forEach((item, i) => {
          const row = record(ENDPOINT, item, `data[${i}]`);
          const providerId = row['asset'];
          if (typeof providerId !== 'string')
            throw new PayloadError(
              ENDPOINT,
              `data[${i}].asset: expected the asset id, found ${JSON.stringify(providerId)}`,
            );
          const asset = assetOf.get(providerId);
          if (asset === undefined)
            throw new PayloadError(
              ENDPOINT,
              `data[${i}].asset: ${providerId} is not a configured asset of ${config.name}`,
            );
          const ts = isoTime(ENDPOINT, row['time'], `data[${i}].time`);
          for (const metric of config.metrics) {
            values.push({
              asset,
              name: snakeCase(metric),
              value: exactNumber(ENDPOINT, row[metric], `data[${i}].${metric}`),
              unit: /USD$/.test(metric) ? 'USD' : null,
              ts,
              labels: { metric, provider_id: providerId },
            });
          }
        });
      }
      return values;
    },
  };
}

/** The newest time of a page and its next page token. */
function pageOf(payload: Payload): { newest: number | null; nextPageToken: string | null } {
  try {
    const body = record(ENDPOINT, parseJson(ENDPOINT, payload.body), 'the response');
    const times = list(ENDPOINT, body['data'], 'data').map((item, i) =>
      isoTime(ENDPOINT, record(ENDPOINT, item, `data[${i}]`)['time'], `data[${i}].time`),
    );
    const token = body['next_page_token'];
    return {
      newest: times.length === 0 ? null : Math.max(...times),
      nextPageToken: typeof token === 'string' && token !== '' ? token : null,
    };
  } catch {
    // An unreadable page ends the paging; the runner quarantines it.
    return { newest: null, nextPageToken: null };
  }
}
