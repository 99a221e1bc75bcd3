/**
 * A local HTTP server standing in for a provider's API: the demo points its connectors at one
 * (`tradewatch demo`, through `base_url`), and the tests do the same with their own data and faults.
 * It listens on a free loopback port, hands each request to a handler that speaks the provider's
 * documented contract, and records every exchange (path, query, headers) for whoever asks.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the provider server saw it. */
export interface Exchange {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** Answers one request; `n` counts the requests so far, this one included. */
export type Handler = (exchange: Exchange, res: ServerResponse, n: number) => void;

/** A faulty answer instead of the contract's: return true when `res` was answered. */
export type Override = (exchange: Exchange, res: ServerResponse, n: number) => boolean;

export interface ProviderServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Every request so far, in order. */
  readonly exchanges: Exchange[];
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts a provider on 127.0.0.1 (a free port) answering with `handler`. */
export async function startProviderServer(handler: Handler): Promise<ProviderServer> {
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://provider.local');
    const exchange = { path: url.pathname, query: url.searchParams, headers: req.headers };
    exchanges.push(exchange);
    try {
      handler(exchange, res, exchanges.length);
    } catch (e: unknown) {
      // A handler bug shows as an odd status the connector reports, never as a hung request.
      res.writeHead(599).end(String(e));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}

/** Sends `body` as JSON with `headers`. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
