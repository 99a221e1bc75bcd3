/**
 * Where QuestDB's HTTP endpoint is (REST `/exec` and ILP over HTTP `/write`), parsed once from the
 * configured URL. The URL may carry `user:password@`: the password goes into the ILP client's
 * configuration and the `Authorization` header only, never into logs or errors (`display`).
 */
import { TradewatchError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';

export interface QuestDbEndpoint {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  /** The URL with its password hidden: the only form that goes into logs and error messages. */
  readonly display: string;
}

/** Parses `httpUrl` (`http[s]://[user:password@]host[:port]`); throws TW_CONFIG_INVALID if it is not one. */
export function parseEndpoint(httpUrl: string): QuestDbEndpoint {
  const invalid = (why: string): TradewatchError =>
    new TradewatchError(
      'TW_CONFIG_INVALID',
      `the QuestDB HTTP URL ${redactUrl(httpUrl)} ${why}; give one like http://127.0.0.1:9000 (QUESTDB_HTTP_URL)`,
    );
  let url: URL;
  try {
    url = new URL(httpUrl);
  } catch {
    throw invalid('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('must start with http:// or https://');
  // The ILP client always posts to /write at the root and takes `host:port` only.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw invalid('must have no path, query or fragment (QuestDB serves /exec and /write at the root)');
  }
  if (url.hostname.startsWith('['))
    throw invalid('has an IPv6 literal host, which the ILP client cannot parse');
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    protocol,
    host: url.hostname,
    port: url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    display: redactUrl(httpUrl),
  };
}

/** Settings of the ILP client's configuration string, besides the address and credentials. */
export type SenderSettings = Readonly<Record<string, string | number>>;

/**
 * The `@questdb/nodejs-client` configuration string for `endpoint` (it holds the password: never log it).
 * Values are escaped as the format requires (`;` doubled).
 */
export function senderConfig(endpoint: QuestDbEndpoint, settings: SenderSettings): string {
  const entries: [string, string][] = [['addr', `${endpoint.host}:${endpoint.port}`]];
  if (endpoint.username !== undefined) entries.push(['username', endpoint.username]);
  if (endpoint.password !== undefined) entries.push(['password', endpoint.password]);
  for (const [key, value] of Object.entries(settings)) entries.push([key, String(value)]);
  return `${endpoint.protocol}::${entries.map(([k, v]) => `${k}=${v.replaceAll(';', ';;')};`).join('')}`;
}

/** The `Authorization` header for `endpoint`, if it has credentials. */
export function authorization(endpoint: QuestDbEndpoint): string | undefined {
  if (endpoint.username === undefined) return undefined;
  const credentials = `${endpoint.username}:${endpoint.password ?? ''}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
