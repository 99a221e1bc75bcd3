/**
 * A TCP proxy in front of QuestDB that a test can take down and bring back on the same port, so one sink
 * sees an outage while the shared QuestDB keeps running for everyone else.
 *
 * Modes:
 * - `forward`: bytes pass both ways;
 * - `swallow-responses`: requests reach QuestDB, but its answers are dropped and the client's
 *   connection is cut: the write is committed, the client never hears it (a lost acknowledgement);
 * - `blackhole`: connections are accepted and requests read, nothing is forwarded or answered.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'swallow-responses' | 'blackhole';

export class TcpProxy {
  readonly #target: { readonly host: string; readonly port: number };
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #port = 0;
  /** How new and current connections behave. */
  mode: ProxyMode = 'forward';

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** Starts a proxy to `target` on a free loopback port. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.resume();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>`, with `user:password@` when given. */
  url(credentials = ''): string {
    return `http://${credentials === '' ? '' : `${credentials}@`}127.0.0.1:${this.#port}`;
  }

  /** Stops listening and cuts every connection: the port is closed until {@link resume}. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  }

  /** Listens again, on the same port as before (a free one the first time). */
  async resume(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = net.createServer((client) => this.#connect(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  #connect(client: net.Socket): void {
    this.#track(client);
    client.on('error', () => client.destroy());
    if (this.mode === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = net.connect(this.#target.port, this.#target.host);
    this.#track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (this.mode === 'swallow-responses') client.destroy();
      else client.write(chunk);
    });
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }
}
