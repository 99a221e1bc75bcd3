/**
 * The one way a connector talks HTTP. Each request, in order:
 * 1. waits while the provider said to (`Retry-After`, a spent `x-ratelimit-remaining` until its reset)
 *    and for our own pace (a per-minute token bucket); a wait longer than `maxWaitMs` ends the run
 *    instead (TW_CONNECTOR_BUDGET_SPENT: the next run resumes from its checkpoint);
 * 2. takes one request from the connector's hourly budget in Postgres, atomically, so the budget is
 *    never exceeded, whatever the number of instances (spent: TW_CONNECTOR_BUDGET_SPENT);
 * 3. sends it, conditional (`If-None-Match`) when a cached response to the same URL has an ETag: a
 *    304 serves the cached body;
 * 4. follows redirects itself, recording a permanent one (301, 308: a renamed project);
 * 5. stores every response (request, time, status, kept headers) with its body content-addressed, so
 *    normalization re-runs without the network;
 * 6. retries 5xx, 429 and network errors with exponential backoff (core/retry.ts); any other 4xx is
 *    TW_CONNECTOR_REJECTED at once.
 * Credentials travel in headers only and are never stored or logged; URLs are stored redacted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../../core/clock.ts';
import { HOUR_MS } from '../../core/durations.ts';
import { TradewatchError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { redactUrl } from '../../core/redact.ts';
import { retry, type BackoffPolicy } from '../../core/retry.ts';
import type { ConnectorStore, StoredResponse } from '../store/index.ts';
import { TokenBucket, blockedUntil } from './rate-limit.ts';

/** Waits `ms`, or less when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);

/** Headers kept with a stored response. */
const KEPT_HEADERS = [
  'content-type',
  'etag',
  'last-modified',
  'link',
  'location',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit-remaining',
  'ratelimit-reset',
];
const PERMANENT_REDIRECTS = new Set([301, 308]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export interface ConnectorHttpOptions {
  readonly connector: string;
  readonly runId: string;
  readonly store: ConnectorStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Requests allowed per clock hour, all instances together. */
  readonly budgetPerHour: number;
  /** Our own pace, requests per minute (a published limit); undefined: none. */
  readonly ratePerMinute?: number;
  /** Longest wait for a rate limit before the run gives up (TW_CONNECTOR_BUDGET_SPENT). */
  readonly maxWaitMs: number;
  /** Retries of 5xx, 429 and network errors. */
  readonly retry: BackoffPolicy & { readonly attempts: number };
  /** Deadline of one request, ms. */
  readonly timeoutMs: number;
  /** Headers sent with every request (credentials); never stored. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Default: real timers. */
  readonly sleep?: Sleep;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/** One request. */
export interface HttpRequest {
  /** The provider's path template (drift, quarantine and logs name it). */
  readonly endpoint: string;
  /** Absolute URL. */
  readonly url: string;
  /** Send `If-None-Match` when a cached response has an ETag. Default true. */
  readonly conditional?: boolean;
}

/** What came back (a 304 is served as the cached 200). */
export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly responseId: number;
  readonly fromCache: boolean;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The URL first asked for, when redirected; else null. */
  readonly redirectedFrom: string | null;
  /** When it was received (as stored): the time its values became known. */
  readonly fetchedAt: number;
}

export class ConnectorHttp {
  readonly #o: ConnectorHttpOptions;
  readonly #sleep: Sleep;
  readonly #fetch: typeof fetch;
  readonly #bucket: TokenBucket | undefined;
  #blockedUntil = 0;
  /** Requests sent (for run statistics). */
  requests = 0;
  /** Requests answered from the cache with a 304. */
  notModified = 0;

  constructor(options: ConnectorHttpOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? realSleep;
    this.#fetch = options.fetch ?? fetch;
    this.#bucket =
      options.ratePerMinute === undefined ? undefined : new TokenBucket(options.ratePerMinute, options.clock);
  }

  /** GETs `request.url` with the whole policy above. */
  request(request: HttpRequest): Promise<HttpResult> {
    return retry(() => this.#follow(request, request.url, null, 0), {
      ...this.#o.retry,
      retryIf: (e) => e instanceof TradewatchError && e.code === 'TW_CONNECTOR_UNAVAILABLE',
      ...(this.#o.signal === undefined ? {} : { signal: this.#o.signal }),
      onRetry: (error, attempt, waitMs) =>
        this.#o.logger.warn(
          { err: error, endpoint: request.endpoint, attempt, waitMs },
          'provider request failed; retrying',
        ),
    });
  }

  /**
   * A `fetch` for a client library with its own retry and throttling (octokit's plugins): our rate-limit
   * waits (a spent `x-ratelimit-remaining` until its reset, `Retry-After`), budget, conditional
   * requests, 304 served from the cache, redirects followed here with a permanent one recorded as a
   * rename (a renamed or transferred GitHub repository answers 301), and storage as above, while every
   * other status is returned to the library as a Response for it to handle. `endpointOf` names the
   * endpoint of a URL.
   */
  fetchFor(
    endpointOf: (url: string) => string,
    onResult?: (endpoint: string, result: HttpResult) => void,
  ): typeof fetch {
    return async (input, init) => {
      let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      let redirectedFrom: string | null = null;
      const headers = new Headers(init?.headers);
      for (let hops = 0; ; hops += 1) {
        const endpoint = endpointOf(url);
        try {
          await this.#waitForProvider(endpoint);
          await this.#takeBudget(endpoint);
        } catch (e: unknown) {
          if (!(e instanceof TradewatchError && e.code === 'TW_CONNECTOR_BUDGET_SPENT')) throw e;
          return this.#spent(e);
        }
        const cached = await this.#o.store.cachedResponse(this.#o.connector, redactUrl(url));
        if (cached?.etag) headers.set('if-none-match', cached.etag);
        else headers.delete('if-none-match');
        let response: Response;
        try {
          response = await this.#fetch(url, { ...init, headers, redirect: 'manual' });
        } catch (e: unknown) {
          throw new TradewatchError(
            'TW_CONNECTOR_UNAVAILABLE',
            `${this.#o.connector}: GET ${redactUrl(url)} failed: ${toError(e).message}`,
            { cause: e, details: { connector: this.#o.connector, endpoint, url: redactUrl(url) } },
          );
        }
        this.#noteLimits(response.headers);
        const location = response.headers.get('location');
        if (REDIRECTS.has(response.status) && location !== null && hops < MAX_REDIRECTS) {
          await response.arrayBuffer();
          const next = new URL(location, url).href;
          await this.#redirected(endpoint, url, next, response.status);
          // As fetch does: credentials never follow a redirect to another origin.
          if (new URL(next).origin !== new URL(url).origin) headers.delete('authorization');
          redirectedFrom ??= redactUrl(url);
          url = next;
          continue;
        }
        if (response.status === 304 && cached !== undefined) {
          await response.arrayBuffer();
          const served = {
            ...(await this.#serveCached(endpoint, url, cached, redirectedFrom)),
            redirectedFrom,
          };
          onResult?.(endpoint, served);
          return new Response(new Uint8Array(served.body), { status: 200, headers: served.headers });
        }
        const body = Buffer.from(await response.arrayBuffer());
        const fetchedAt = this.#o.clock.now();
        const responseId = await this.#store(endpoint, url, response, body, redirectedFrom, fetchedAt);
        if (response.ok) {
          onResult?.(endpoint, {
            status: response.status,
            body,
            headers: keptHeaders(response.headers),
            responseId,
            fromCache: false,
            url: redactUrl(url),
            redirectedFrom,
            fetchedAt,
          });
        }
        return new Response(
          response.status === 204 || response.status === 304 ? null : new Uint8Array(body),
          { status: response.status, statusText: response.statusText, headers: response.headers },
        );
      }
    };
  }

  /**
   * A spent budget, or a provider wait longer than max_wait, as the provider's own rate-limit answer, so
   * the library waits or gives up as it would for the provider's limit (an error thrown here would be
   * retried as a network error).
   */
  #spent(e: TradewatchError): Response {
    const waitMs = e.details['waitMs'];
    const until =
      typeof waitMs === 'number'
        ? this.#o.clock.now() + waitMs
        : Math.floor(this.#o.clock.now() / HOUR_MS + 1) * HOUR_MS;
    return new Response(JSON.stringify({ message: `API rate limit exceeded: ${e.message}` }), {
      status: 403,
      headers: {
        'content-type': 'application/json',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(until / 1000)),
      },
    });
  }

  /** A redirect from `url` to `next`: a permanent one (301, 308) is recorded as a rename, logged once. */
  async #redirected(endpoint: string, url: string, next: string, status: number): Promise<void> {
    if (!PERMANENT_REDIRECTS.has(status)) return;
    const from = redactUrl(url);
    const to = redactUrl(next);
    if (await this.#o.store.recordRename(this.#o.connector, from, to, this.#o.clock.now())) {
      this.#o.logger.warn(
        { endpoint, from, to, status },
        'provider moved a resource for good (renamed); following and recorded',
      );
    }
  }

  async #follow(
    request: HttpRequest,
    url: string,
    redirectedFrom: string | null,
    hops: number,
  ): Promise<HttpResult> {
    await this.#waitForProvider(request.endpoint);
    await this.#takeBudget(request.endpoint);
    const shownUrl = redactUrl(url);
    const cached =
      request.conditional === false
        ? undefined
        : await this.#o.store.cachedResponse(this.#o.connector, shownUrl);
    const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    let response: Response;
    try {
      const signals = [AbortSignal.timeout(this.#o.timeoutMs)];
      if (this.#o.signal) signals.push(this.#o.signal);
      response = await this.#fetch(url, { headers, redirect: 'manual', signal: AbortSignal.any(signals) });
    } catch (e: unknown) {
      throw new TradewatchError(
        'TW_CONNECTOR_UNAVAILABLE',
        `${this.#o.connector}: GET ${shownUrl} failed: ${toError(e).message}`,
        { cause: e, details: { connector: this.#o.connector, endpoint: request.endpoint, url: shownUrl } },
      );
    }
    this.#noteLimits(response.headers);
    const location = response.headers.get('location');
    if (REDIRECTS.has(response.status) && location !== null) {
      await response.arrayBuffer();
      if (hops >= MAX_REDIRECTS)
        throw this.#rejected(request, shownUrl, response.status, 'too many redirects');
      const next = new URL(location, url).href;
      await this.#redirected(request.endpoint, url, next, response.status);
      return this.#follow(request, next, redirectedFrom ?? shownUrl, hops + 1);
    }
    if (response.status === 304 && cached !== undefined) {
      await response.arrayBuffer();
      const served = await this.#serveCached(request.endpoint, url, cached, redirectedFrom);
      return { ...served, redirectedFrom };
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 429 || response.status >= 500) {
      await this.#store(request.endpoint, url, response, body, redirectedFrom);
      throw new TradewatchError(
        'TW_CONNECTOR_UNAVAILABLE',
        `${this.#o.connector}: GET ${shownUrl} answered ${response.status}: ${excerpt(body)}`,
        {
          details: {
            connector: this.#o.connector,
            endpoint: request.endpoint,
            url: shownUrl,
            status: response.status,
          },
        },
      );
    }
    if (response.status >= 400) {
      await this.#store(request.endpoint, url, response, body, redirectedFrom);
      throw this.#rejected(request, shownUrl, response.status, excerpt(body));
    }
    const fetchedAt = this.#o.clock.now();
    const responseId = await this.#store(request.endpoint, url, response, body, redirectedFrom, fetchedAt);
    return {
      status: response.status,
      body,
      headers: keptHeaders(response.headers),
      responseId,
      fromCache: false,
      url: shownUrl,
      redirectedFrom,
      fetchedAt,
    };
  }

  async #serveCached(
    endpoint: string,
    url: string,
    cached: StoredResponse,
    redirectedFrom: string | null = null,
  ): Promise<HttpResult> {
    this.notModified += 1;
    const fetchedAt = this.#o.clock.now();
    const responseId = await this.#o.store.putResponse({
      connector: this.#o.connector,
      runId: this.#o.runId,
      endpoint,
      method: 'GET',
      url: redactUrl(url),
      status: 304,
      etag: cached.etag,
      headers: cached.headers,
      redirectedFrom,
      body: cached.body,
      fetchedAt,
    });
    return {
      status: 200,
      body: cached.body,
      headers: cached.headers,
      responseId,
      fromCache: true,
      url: redactUrl(url),
      redirectedFrom,
      fetchedAt,
    };
  }

  #store(
    endpoint: string,
    url: string,
    response: Response,
    body: Buffer,
    redirectedFrom: string | null,
    fetchedAt: number = this.#o.clock.now(),
  ): Promise<number> {
    return this.#o.store.putResponse({
      connector: this.#o.connector,
      runId: this.#o.runId,
      endpoint,
      method: 'GET',
      url: redactUrl(url),
      status: response.status,
      etag: response.headers.get('etag'),
      headers: keptHeaders(response.headers),
      redirectedFrom,
      body,
      fetchedAt,
    });
  }

  #noteLimits(headers: Headers): void {
    const until = blockedUntil(headers, this.#o.clock.now());
    if (until !== undefined) this.#blockedUntil = Math.max(this.#blockedUntil, until);
  }

  async #waitForProvider(endpoint: string): Promise<void> {
    for (;;) {
      const providerWait = this.#blockedUntil - this.#o.clock.now();
      const wait = Math.max(providerWait, this.#bucket?.take() ?? 0);
      if (wait <= 0) return;
      if (wait > this.#o.maxWaitMs) {
        throw new TradewatchError(
          'TW_CONNECTOR_BUDGET_SPENT',
          `${this.#o.connector}: the provider's rate limit asks for a wait of ${Math.ceil(wait / 1000)} s ` +
            `before the next request to ${endpoint}, longer than max_wait (${this.#o.maxWaitMs / 1000} s): ` +
            'the run stops here and the next run resumes from its checkpoint',
          { details: { connector: this.#o.connector, endpoint, waitMs: wait } },
        );
      }
      this.#o.logger.info({ endpoint, waitMs: wait }, 'waiting for the provider rate limit');
      await this.#sleep(wait, this.#o.signal);
      this.#o.signal?.throwIfAborted();
    }
  }

  async #takeBudget(endpoint: string): Promise<void> {
    const taken = await this.#o.store.reserveRequest(
      this.#o.connector,
      this.#o.clock.now(),
      this.#o.budgetPerHour,
    );
    if (!taken) {
      throw new TradewatchError(
        'TW_CONNECTOR_BUDGET_SPENT',
        `${this.#o.connector}: the hourly request budget (budget_per_hour: ${this.#o.budgetPerHour}) is spent; ` +
          `no request to ${endpoint} until the next hour: the run stops here and the next run resumes from its checkpoint`,
        { details: { connector: this.#o.connector, endpoint, budgetPerHour: this.#o.budgetPerHour } },
      );
    }
    this.requests += 1;
  }

  #rejected(request: HttpRequest, url: string, status: number, why: string): TradewatchError {
    const hint =
      status === 401 || status === 403
        ? ': check the credentials (the environment variable named in connectors.yaml)'
        : status === 404
          ? ': check the id in connectors.yaml'
          : '';
    return new TradewatchError(
      'TW_CONNECTOR_REJECTED',
      `${this.#o.connector}: GET ${url} answered ${status} (${why})${hint}`,
      { details: { connector: this.#o.connector, endpoint: request.endpoint, url, status } },
    );
  }
}

function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/** The start of a body, for a message. */
function excerpt(body: Buffer): string {
  const text = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return text === '' ? 'no body' : body.length > 200 ? `${text}…` : text;
}
