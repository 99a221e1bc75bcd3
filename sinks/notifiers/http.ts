/**
 * The one HTTP call the webhook notifiers make (Slack, PagerDuty, Alertmanager): POST a JSON body with
 * a deadline, and the classification every receiver shares (2xx accepted; 408, 429 and 5xx retriable,
 * honouring Retry-After; other 4xx permanent). Network failures are retriable results, never throws,
 * and no result ever holds the URL.
 */
import type { Clock } from '../../core/clock.ts';
import { retriable, type DeliveryResult } from './types.ts';

/** How much of an error body a reason quotes. */
const BODY_QUOTE_CHARS = 300;

/** What came back. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** The POST did not get an answer: refused connection, DNS failure, reset, or the deadline passed. */
export interface HttpNoAnswer {
  /** What happened, without the URL (e.g. `connection refused (ECONNREFUSED)`). */
  readonly problem: string;
}

export interface PostOptions {
  /** Deadline for the whole exchange, in ms. */
  readonly timeoutMs: number;
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** POSTs `body` as JSON to `url`. */
export async function postJson(
  url: string,
  body: unknown,
  options: PostOptions,
): Promise<HttpAnswer | HttpNoAnswer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text };
  } catch (error: unknown) {
    return { problem: describeNetworkError(error, options.timeoutMs) };
  }
}

export function isAnswer(result: HttpAnswer | HttpNoAnswer): result is HttpAnswer {
  return 'status' in result;
}

/** A fetch failure in words, without the URL: undici puts the cause's code (ECONNREFUSED…) in `cause`. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_SOCKET: 'connection closed by the receiver',
  };
  if (code !== undefined) return `${known[code] ?? 'network error'} (${code})`;
  // fetch's own refusals (a blocked port, a bad URL) carry a message but no code; callers scrub it.
  if (typeof cause?.message === 'string') return `network error: ${cause.message}`;
  return `network error (${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'})`;
}

/**
 * Retry-After as milliseconds from now: either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; never negative.
 */
export function retryAfterMs(value: string | null, clock: Clock): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - clock.now());
}

/** The start of a response body for a reason: one line, at most {@link BODY_QUOTE_CHARS} characters. */
export function quoteBody(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > BODY_QUOTE_CHARS ? `${line.slice(0, BODY_QUOTE_CHARS)}…` : line;
}

/**
 * Statuses after which the same request may succeed later: 408 (timeout), 425 (too early), 429 (rate
 * limited) and every 5xx. Other non-2xx statuses are permanent unless a notifier knows better.
 */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A retriable result from an answer: HTTP status, what the receiver said, Retry-After. */
export function retriableAnswer(answer: HttpAnswer, reason: string, clock: Clock): DeliveryResult {
  return retriable(reason, retryAfterMs(answer.headers.get('retry-after'), clock));
}
