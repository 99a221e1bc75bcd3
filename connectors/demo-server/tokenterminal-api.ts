/**
 * A Token Terminal API v2 stand-in: `GET /v2/projects/{project_id}/metrics?metric_ids=…&start=…&end=…`
 * with the API key as `Authorization: Bearer <key>` (401 otherwise), answering
 * `{ data: [{ timestamp, project_id, project_name, <metric>: number | null }] }`, one item per day of
 * [start, end] (dates, both included) with the metrics asked for. The whole range comes in one response:
 * the endpoint is not paged. A renamed project answers 308 with the URL of its new id (the query kept).
 * Unknown projects and paths answer 404.
 */
import { DAY_MS } from '../../core/durations.ts';
import { json, startProviderServer, type Override, type ProviderServer } from './provider-server.ts';

/** A metric's value of a project on a day (epoch ms of its midnight); undefined: no such project. */
export type ProjectMetric = (project: string, metric: string, day: number) => number | null | undefined;

export interface TokenTerminalServerOptions {
  /** The API key the server accepts. */
  readonly key: string;
  /** Former project ids, to their current id: 308 to the current URL. */
  readonly renamed?: Readonly<Record<string, string>>;
  /** Answers a request instead (rate limits, 5xx, drifted payloads): return true when answered. */
  readonly override?: Override;
}

/** Starts a Token Terminal API whose values are `value(project, metric, day)` on a free loopback port. */
export async function startTokenTerminalServer(
  value: ProjectMetric,
  options: TokenTerminalServerOptions,
): Promise<ProviderServer> {
  return startProviderServer((exchange, res, n) => {
    if (exchange.headers.authorization !== `Bearer ${options.key}`)
      return json(res, 401, { message: 'Unauthorized' });
    if (options.override?.(exchange, res, n) === true) return;
    const match = /^\/v2\/projects\/([^/]+)\/metrics$/.exec(exchange.path);
    if (match === null) return json(res, 404, { message: 'Not found' });
    const id = decodeURIComponent(match[1]!);
    const moved = options.renamed?.[id];
    if (moved !== undefined) {
      const location = `/v2/projects/${encodeURIComponent(moved)}/metrics?${exchange.query.toString()}`;
      res.writeHead(308, { location }).end();
      return;
    }
    const metrics = (exchange.query.get('metric_ids') ?? '').split(',').filter((m) => m !== '');
    const start = Date.parse(`${exchange.query.get('start')}T00:00:00Z`);
    const end = Date.parse(`${exchange.query.get('end')}T00:00:00Z`);
    if (metrics.some((m) => value(id, m, start) === undefined))
      return json(res, 404, { message: `Project ${id} not found` });
    const data = [];
    for (let t = start; t <= end; t += DAY_MS) {
      const item: Record<string, unknown> = {
        timestamp: new Date(t).toISOString(),
        project_id: id,
        project_name: id,
      };
      for (const m of metrics) item[m] = value(id, m, t) ?? null;
      data.push(item);
    }
    json(res, 200, { data });
  });
}
