/**
 * `tradewatch dashboards serve`: the rendered dashboards for a wall screen, on a small HTTP server bound
 * to loopback. Every dashboard is rendered again every `refreshMs`, one after the other; a request gets
 * the latest rendering at once (never waits for QuestDB), and the page reloads itself after the same
 * interval (`<meta http-equiv="refresh">`, no script). A rendering that fails keeps the last good page
 * and is logged.
 *
 * Routes: `/` an index of the dashboards, `/<uid>` one dashboard (e.g. `/tradewatch-overview`), `/all`
 * every dashboard on one page, `/healthz` 200 once the first rendering is done.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Namespace } from '../core/namespace.ts';
import { markup, renderPage } from '../runtime/html/index.ts';
import type { DashboardSpec } from './model.ts';
import { renderDashboards } from './render.ts';
import type { RunQuery } from './resolve-variables.ts';

export interface DashboardServerOptions {
  readonly specs: readonly DashboardSpec[];
  readonly run: RunQuery;
  readonly logger: Logger;
  /** Default 127.0.0.1 (loopback). */
  readonly host?: string;
  /** Default 3001; 0 picks a free port (see `url`). */
  readonly port?: number;
  /** How often every page is rendered again, and the pages reload, in ms. Default 60 000. */
  readonly refreshMs?: number;
  /** Variable values by name, as `render --var`. */
  readonly variables?: ReadonlyMap<string, string>;
  /** The environment whose tables are read (see RenderOptions.namespace). */
  readonly namespace?: Namespace;
  /** The time source (epoch ms). Default Date.now. */
  readonly now?: () => number;
}

export class DashboardServer {
  readonly #options: DashboardServerOptions;
  readonly #server: http.Server;
  readonly #pages = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #renders = 0;
  #url = '';

  private constructor(options: DashboardServerOptions) {
    this.#options = options;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
  }

  /** Renders every page once, then listens. */
  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const server = new DashboardServer(options);
    await server.#renderAll();
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port ?? 3001, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    server.#url = `http://${host}:${address.port}`;
    server.#schedule();
    return server;
  }

  /** Where it listens, e.g. `http://127.0.0.1:3001`. */
  get url(): string {
    return this.#url;
  }

  /** How many complete renderings of every page have been made (the first one at start). */
  get renders(): number {
    return this.#renders;
  }

  #refreshMs(): number {
    return this.#options.refreshMs ?? 60_000;
  }

  #schedule(): void {
    if (this.#closing !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#renderAll().then(
        () => this.#schedule(),
        (e: unknown) => {
          this.#options.logger.error({ err: toError(e) }, 'dashboards serve: rendering failed');
          this.#schedule();
        },
      );
    }, this.#refreshMs());
  }

  async #renderAll(): Promise<void> {
    const now = (this.#options.now ?? Date.now)();
    const render = (specs: readonly DashboardSpec[]) =>
      renderDashboards(specs, {
        run: this.#options.run,
        now,
        ...(this.#options.variables === undefined ? {} : { variables: this.#options.variables }),
        ...(this.#options.namespace === undefined ? {} : { namespace: this.#options.namespace }),
      });
    for (const spec of this.#options.specs) {
      if (this.#closing !== undefined) return;
      try {
        this.#pages.set(spec.uid, this.#withRefresh(await render([spec])));
      } catch (e: unknown) {
        this.#options.logger.error(
          { err: toError(e), dashboard: spec.uid },
          'dashboards serve: rendering failed',
        );
      }
    }
    try {
      this.#pages.set('all', this.#withRefresh(await render(this.#options.specs)));
    } catch (e: unknown) {
      this.#options.logger.error({ err: toError(e), dashboard: 'all' }, 'dashboards serve: rendering failed');
    }
    this.#renders++;
  }

  #withRefresh(page: string): string {
    const seconds = Math.max(1, Math.round(this.#refreshMs() / 1000));
    return page.replace('<head>\n', `<head>\n<meta http-equiv="refresh" content="${seconds}">\n`);
  }

  #index(): string {
    const links = this.#options.specs.map((s) => markup`<li><a href="/${s.uid}">${s.title}</a></li>`);
    return this.#withRefresh(
      renderPage({
        title: 'tradewatch dashboards',
        subtitle: `Rendered again every ${Math.round(this.#refreshMs() / 1000)} s`,
        sections: [
          {
            title: 'Dashboards',
            content: markup`<ul>${links}<li><a href="/all">All on one page</a></li></ul>`,
          },
        ],
      }),
    );
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\.html$/, '');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return send(200, 'text/plain', `ok, ${this.#renders} renderings\n`);
    if (path === '/') return send(200, 'text/html', this.#index());
    const page = this.#pages.get(path.slice(1));
    if (page !== undefined) return send(200, 'text/html', page);
    const known = [...this.#options.specs.map((s) => `/${s.uid}`), '/all'].join(', ');
    return send(404, 'text/plain', `no dashboard at ${path}; try ${known}\n`);
  }

  /** Stops rendering and listening (idempotent: the same promise). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      clearTimeout(this.#timer);
      this.#server.closeAllConnections();
      this.#server.close((e) => (e ? reject(e) : resolve()));
    });
    return this.#closing;
  }
}
