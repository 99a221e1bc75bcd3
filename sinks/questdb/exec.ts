/**
 * SQL over QuestDB's REST endpoint (`GET /exec`): table set-up, checks, and reads for tests and the demo.
 * Writes go over ILP (the sink), not here.
 */
import http from 'node:http';
import https from 'node:https';
import { TradewatchError, toError } from '../../core/errors.ts';
import { authorization, type QuestDbEndpoint } from './endpoint.ts';

/** What a query returned: one object per row, keyed by column name. */
export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
}

export interface ExecOptions {
  /** Deadline of the whole request, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Connection pool to use. Default Node's global agent. */
  agent?: http.Agent;
}

interface ExecResponse {
  readonly columns?: readonly { readonly name: string; readonly type: string }[];
  readonly dataset?: readonly (readonly unknown[])[];
  readonly error?: string;
  readonly position?: number;
}

/**
 * Runs one SQL statement. Throws TW_QUESTDB_UNAVAILABLE (retriable) when QuestDB does not answer or
 * answers 5xx, and TW_INPUT_INVALID when it rejects the statement (its message and position included).
 */
export async function exec(
  endpoint: QuestDbEndpoint,
  sql: string,
  options: ExecOptions = {},
): Promise<QueryResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let status: number;
  let body: string;
  try {
    ({ status, body } = await get(
      endpoint,
      `/exec?query=${encodeURIComponent(sql)}`,
      timeoutMs,
      options.agent,
    ));
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_QUESTDB_UNAVAILABLE',
      `QuestDB at ${endpoint.display} did not answer a query (${toError(e).message}); ` +
        'check that it is running (`tradewatch stack status`) and QUESTDB_HTTP_URL',
      { cause: e, details: { url: endpoint.display } },
    );
  }
  let parsed: ExecResponse | undefined;
  try {
    parsed = JSON.parse(body) as ExecResponse;
  } catch {
    parsed = undefined;
  }
  if (status >= 400 || parsed === undefined || parsed.error !== undefined) {
    const reason = parsed?.error ?? `HTTP ${status}: ${body.slice(0, 200)}`;
    const at = parsed?.position === undefined ? '' : ` at position ${parsed.position}`;
    const retriable = status >= 500 || parsed === undefined;
    throw new TradewatchError(
      retriable ? 'TW_QUESTDB_UNAVAILABLE' : 'TW_INPUT_INVALID',
      `QuestDB at ${endpoint.display} rejected a query: ${reason}${at}; the query: ${sql}`,
      { details: { url: endpoint.display, status, sql } },
    );
  }
  const columns = parsed.columns ?? [];
  const rows = (parsed.dataset ?? []).map((values) =>
    Object.fromEntries(columns.map((column, i) => [column.name, values[i]])),
  );
  return { columns, rows };
}

function get(
  endpoint: QuestDbEndpoint,
  path: string,
  timeoutMs: number,
  agent: http.Agent | undefined,
): Promise<{ status: number; body: string }> {
  const request = endpoint.protocol === 'https' ? https.request : http.request;
  const auth = authorization(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path,
        method: 'GET',
        ...(agent === undefined ? {} : { agent }),
        headers: auth === undefined ? {} : { authorization: auth },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * The ILP protocol version to speak: 2 (binary doubles) when the server lists it in `/settings`, else 1.
 * Asked here, once, rather than by the ILP client's `protocol_version=auto`, which opens a connection
 * pool of its own for it and never closes it.
 */
export async function ilpProtocolVersion(
  endpoint: QuestDbEndpoint,
  options: ExecOptions = {},
): Promise<1 | 2> {
  let versions: unknown;
  try {
    const { status, body } = await get(endpoint, '/settings', options.timeoutMs ?? 10_000, options.agent);
    if (status !== 200) return 1;
    versions = (JSON.parse(body) as { config?: Record<string, unknown> }).config?.[
      'line.proto.support.versions'
    ];
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_QUESTDB_UNAVAILABLE',
      `QuestDB at ${endpoint.display} did not answer (${toError(e).message}); ` +
        'check that it is running (`tradewatch stack status`) and QUESTDB_HTTP_URL',
      { cause: e, details: { url: endpoint.display } },
    );
  }
  return Array.isArray(versions) && versions.map(String).includes('2') ? 2 : 1;
}
