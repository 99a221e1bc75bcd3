/**
 * Token Terminal API v2, `GET /projects/{project_id}/metrics?metric_ids=...&start=...&end=...` with the
 * API key as a bearer token: per project, the configured metrics (revenue, fees, treasury...) per day.
 * Its published limit, 60 requests a minute, is our pace by default (`rate_per_minute`). A renamed
 * project answers HTTP 308 with its new URL: the client follows it and records the rename
 * (`tw_connector_renames`, a warning in the log, `tradewatch assets check` reports it), and the
 * signals keep the configured asset, labelled with the id that answered.
 */
import { DAY_MS } from '../../core/durations.ts';
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

const ENDPOINT = '/projects/{project_id}/metrics';
/** Token Terminal's metrics in US dollars (the others are counts or ratios). */
const MONEY =
  /^(revenue|fees|treasury|market_cap|tvl|price|earnings|expenses|token_incentives|gmv|cost_of_revenue)/;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function createTokenTerminalConnector(
  config: ConnectorConfig,
  apiKey: string | null,
): Connector & { readonly headers: Readonly<Record<string, string>> } {
  const assetOf = new Map(config.assets.map((a) => [a.id ?? '', a.asset]));
  return {
    name: config.name,
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
    async run(context: RunContext): Promise<void> {
      for (const asset of config.assets) {
        const id = asset.id ?? '';
        const checkpoint = await context.checkpoint(id);
        const last = checkpoint?.lastEventAt ?? null;
        const from = Math.max(context.window.fromMs, last === null ? -Infinity : last + DAY_MS);
        if (day(from) > day(context.window.toMs - 1)) continue;
        const query = new URLSearchParams({
          metric_ids: config.metrics.join(','),
          start: day(from),
          end: day(context.window.toMs - 1),
        });
        const url = `${config.baseUrl}/projects/${encodeURIComponent(id)}/metrics?${query.toString()}`;
        const result = await context.http.request({ endpoint: ENDPOINT, url });
        const payload = payloadOf({ ...result, endpoint: ENDPOINT });
        let newest = last;
        try {
          for (const v of this.normalize(id, [payload], { knownAt: payload.fetchedAt }))
            newest = Math.max(newest ?? v.ts, v.ts);
        } catch {
          // Unreadable: the runner quarantines it; the checkpoint stays.
        }
        await context.commit(id, [payload], {
          cursor: result.redirectedFrom === null ? null : result.url,
          lastEventAt: newest,
        });
      }
    },
    normalize(scope: string, payloads: readonly Payload[]): SignalValue[] {
      const asset = assetOf.get(scope);
      if (asset === undefined)
        throw new PayloadError(ENDPOINT, `project ${scope} is not a configured asset of ${config.name}`);
      const values: SignalValue[] = [];
      for (const payload of payloads) {
        const body = record(ENDPOINT, parseJson(ENDPOINT, payload.body), 'the response');
        list(ENDPOINT, body['data'], 'data').forEach((item, i) => {
          const row = record(ENDPOINT, item, `data[${i}]`);
          const ts = isoTime(ENDPOINT, row['timestamp'], `data[${i}].timestamp`);
          const answered = typeof row['project_id'] === 'string' ? row['project_id'] : scope;
          for (const metric of config.metrics) {
            values.push({
              asset,
              name: snakeCase(metric),
              value: exactNumber(ENDPOINT, row[metric], `data[${i}].${metric}`),
              unit: MONEY.test(metric) ? 'USD' : null,
              ts,
              labels: { metric, project_id: answered },
            });
          }
        });
      }
      return values;
    },
  };
}
