/**
 * An HTTP proxy in front of the shared QuestDB that forwards everything, except ILP writes
 * (`POST /write`) while `holding`: those it reads in full and keeps, answering nothing, so that a test
 * knows a request is in flight (`held()`) and can later deliver it to QuestDB after all (`deliver()`):
 * a request QuestDB committed while its sender never heard back.
 */
import http from 'node:http';
import type net from 'node:net';
import { onTestFinished } from 'vitest';
import { parseEndpoint } from '../../../sinks/questdb/endpoint.ts';
import { questdbUrl } from './helpers.ts';

interface HeldRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export class WriteHoldingProxy {
  holding = false;
  readonly #server: http.Server;
  readonly #target = parseEndpoint(questdbUrl());
  readonly #held: HeldRequest[] = [];
  #waiters: { readonly count: number; readonly wake: () => void }[] = [];

  private constructor() {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
        if (this.holding && request.path.startsWith('/write')) {
          this.#held.push(request);
          for (const waiter of this.#waiters.filter((w) => w.count <= this.#held.length)) waiter.wake();
          this.#waiters = this.#waiters.filter((w) => w.count > this.#held.length);
          return;
        }
        this.#forward(request, req.method ?? 'GET', res);
      });
    });
  }

  /** A proxy on a free loopback port, closed when the current test ends. */
  static async start(): Promise<WriteHoldingProxy> {
    const proxy = new WriteHoldingProxy();
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      proxy.#server.closeAllConnections();
      await new Promise<void>((resolve) => proxy.#server.close(() => resolve()));
    });
    return proxy;
  }

  url(): string {
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  /** Resolves once `count` writes are held (each read in full). */
  held(count = 1): Promise<void> {
    if (this.#held.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, wake: resolve }));
  }

  /** Sends the held writes to QuestDB (their senders are gone: nobody hears the answers). */
  async deliver(): Promise<void> {
    for (const request of this.#held.splice(0)) {
      await new Promise<void>((resolve, reject) => {
        const upstream = http.request(
          {
            host: this.#target.host,
            port: this.#target.port,
            path: request.path,
            method: 'POST',
            headers: request.headers,
          },
          (response) => {
            response.resume();
            if (response.statusCode === 204) resolve();
            else reject(new Error(`QuestDB answered ${response.statusCode} to a held write`));
          },
        );
        upstream.on('error', reject);
        upstream.end(request.body);
      });
    }
  }

  #forward(request: HeldRequest, method: string, res: http.ServerResponse): void {
    const upstream = http.request(
      {
        host: this.#target.host,
        port: this.#target.port,
        path: request.path,
        method,
        headers: request.headers,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(request.body);
  }
}
