/**
 * aws-ses-v2-local (npm): a local SES v1/v2 API server that keeps what it was sent and shows it at
 * `GET /store`. Started in this process on a free loopback port; the store is this module's, so each
 * test clears it (`POST /clear-store`) or reads only its own recipients.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocal from 'aws-ses-v2-local';

// A CommonJS module whose `exports.default` is the server function: Node's ESM loader hands over
// `module.exports`, vitest's (which honours __esModule) the function itself.
type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;
const loaded = sesLocal as unknown as StartServer | { default: StartServer };
const startServer: StartServer = typeof loaded === 'function' ? loaded : loaded.default;

/** One email as aws-ses-v2-local stores it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: {
    readonly to: readonly string[];
    readonly cc: readonly string[];
    readonly bcc: readonly string[];
  };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
  readonly at: number;
}

export interface SesLocal {
  /** The endpoint to give the SES client. */
  readonly url: string;
  /** Every stored email. */
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function startSesLocal(): Promise<SesLocal> {
  const server: Server = await startServer({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async emails() {
      const response = await fetch(`${url}/store`);
      const store = (await response.json()) as { emails: StoredEmail[] };
      return store.emails;
    },
    async clear() {
      const response = await fetch(`${url}/clear-store`, { method: 'POST' });
      await response.body?.cancel();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
