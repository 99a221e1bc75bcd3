/**
 * A local HTTP server standing in for an external service (Slack, PagerDuty): it records every request
 * with the time of an injected clock, answers through the service's contract (a handler), and lets a
 * test script answers ahead of the contract (a 429 with Retry-After, a 500, a 410) and take the whole
 * server down and bring it back on the same port. No vitest imports: the benchmark uses it too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../core/clock.ts';

export interface ReceivedRequest {
  readonly method: string;
  /** Path with query. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** When it arrived, on the receiver's clock. */
  readonly at: number;
}

export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The contract: how the real service answers a request. */
export type ContractHandler = (request: ReceivedRequest) => Answer;

export interface HttpReceiverOptions {
  readonly handler: ContractHandler;
  /** Time stamped on requests. Default the system clock. */
  readonly clock?: Clock;
  /** Port on 127.0.0.1. Default a free one. */
  readonly port?: number;
}

export class HttpReceiver {
  readonly #handler: ContractHandler;
  readonly #clock: Clock;
  readonly #scripts = new Map<string, Answer[]>();
  readonly #requests: ReceivedRequest[] = [];
  #server: http.Server | undefined;
  #port: number;

  private constructor(options: HttpReceiverOptions) {
    this.#handler = options.handler;
    this.#clock = options.clock ?? systemClock;
    this.#port = options.port ?? 0;
  }

  static async start(options: HttpReceiverOptions): Promise<HttpReceiver> {
    const receiver = new HttpReceiver(options);
    await receiver.up();
    return receiver;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Every request received, in order (scripted and refused ones included). */
  get requests(): readonly ReceivedRequest[] {
    return this.#requests;
  }

  /** Answers the next requests to `path` (exact, without query) with `answers`, in order, before the contract. */
  script(path: string, answers: readonly Answer[]): void {
    this.#scripts.set(path, [...(this.#scripts.get(path) ?? []), ...answers]);
  }

  /** Scripted answers not used yet for `path`. */
  scripted(path: string): number {
    return this.#scripts.get(path)?.length ?? 0;
  }

  /** Stops listening and drops open connections: clients get "connection refused" until {@link up}. */
  async down(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Listens (again) on the same port. */
  async up(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = http.createServer((req, res) => this.#serve(req, res));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.#port }, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  close(): Promise<void> {
    return this.down();
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        json,
        at: this.#clock.now(),
      };
      this.#requests.push(request);
      const pathOnly = request.path.split('?')[0] ?? request.path;
      const scripted = this.#scripts.get(pathOnly)?.shift();
      const answer = scripted ?? this.#handler(request);
      res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
      res.end(answer.body ?? '');
    });
  }
}
