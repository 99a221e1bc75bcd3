/**
 * PagerDuty through the Events API v2: POST {base}/v2/enqueue, one event per alert. A firing alert is a
 * `trigger`, a resolved one a `resolve`, both with `dedup_key` = the alert fingerprint, so a replay or
 * a retry lands on the same PagerDuty alert instead of opening another.
 *
 * Contract (PagerDuty developer docs, Events API v2): 202 `{status: "success", message: "Event
 * processed", dedup_key}` is accepted; 400 `{status: "invalid event", message, errors: [...]}` is
 * permanent; 429 (about 120 events a minute per routing key) and 5xx are retried.
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Alert, Severity } from '../../schemas/index.ts';
import { formatValue, formatTime, truncate } from './format.ts';
import { isAnswer, isRetriableStatus, postJson, quoteBody, retryAfterMs } from './http.ts';
import { secretScrubber, type SecretScrubber } from './secrets.ts';
import {
  accepted,
  permanent,
  retriable,
  type DeliveryResult,
  type Notification,
  type Notifier,
} from './types.ts';

/** PagerDuty's own endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com';
const SUMMARY_MAX = 1024;

/** Our severities map one to one onto PagerDuty's. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, 'critical' | 'error' | 'warning' | 'info'>> = {
  critical: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
};

export interface PagerDutyNotifierOptions {
  /** The notifier's name. Default `pagerduty`. */
  readonly name?: string;
  /** The integration key of an Events API v2 integration (a secret: never logged). */
  readonly routingKey: string;
  /** Base URL; events go to `{url}/v2/enqueue`. A secret too (it may be a proxy's). Default PagerDuty's. */
  readonly url?: string;
  /** `payload.source`: what is affected. Default `tradewatch`. */
  readonly source?: string;
  /** `client_url`: a link shown in PagerDuty (e.g. a Grafana dashboard). Default none. */
  readonly clientUrl?: string;
  /** Deadline of one POST, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Time for Retry-After dates. Default the system clock. */
  readonly clock?: Clock;
}

/** One Events API v2 event. */
export type PagerDutyEvent =
  | {
      readonly routing_key: string;
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: {
        readonly summary: string;
        readonly source: string;
        readonly severity: string;
        readonly timestamp: string;
        readonly class: string;
        readonly group: string;
        readonly custom_details: Readonly<Record<string, unknown>>;
      };
      readonly client: string;
      readonly client_url?: string;
    }
  | { readonly routing_key: string; readonly event_action: 'resolve'; readonly dedup_key: string };

/** The event of one alert. */
export function pagerDutyEvent(
  alert: Alert,
  routingKey: string,
  source: string,
  clientUrl?: string,
): PagerDutyEvent {
  if (alert.status === 'resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.fingerprint };
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.fingerprint,
    payload: {
      summary: truncate(`[${alert.env}] ${alert.summary}`, SUMMARY_MAX),
      source,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: new Date(alert.ts).toISOString(),
      class: alert.rule,
      group: alert.env,
      custom_details: {
        rule: alert.rule,
        env: alert.env,
        fingerprint: alert.fingerprint,
        ...(alert.description ? { description: alert.description } : {}),
        labels: alert.labels,
        value: alert.value,
        threshold: alert.threshold,
        // The same numbers as people read them (the rule's unit), for the incident page.
        ...(alert.unit === null
          ? {}
          : {
              unit: alert.unit,
              value_text: formatValue(alert.value, alert.unit),
              threshold_text: formatValue(alert.threshold, alert.unit),
            }),
        starts_at: formatTime(alert.starts_at),
      },
    },
    client: 'tradewatch',
    ...(clientUrl === undefined ? {} : { client_url: clientUrl }),
  };
}

export class PagerDutyNotifier implements Notifier {
  readonly name: string;
  readonly kind = 'pagerduty' as const;
  readonly #routingKey: string;
  readonly #endpoint: string;
  readonly #source: string;
  readonly #clientUrl: string | undefined;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #scrub: SecretScrubber;

  constructor(options: PagerDutyNotifierOptions) {
    this.name = options.name ?? 'pagerduty';
    this.#routingKey = options.routingKey;
    const base = (options.url ?? PAGERDUTY_EVENTS_URL).replace(/\/+$/, '');
    this.#endpoint = `${base}/v2/enqueue`;
    this.#source = options.source ?? 'tradewatch';
    this.#clientUrl = options.clientUrl;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#scrub = secretScrubber([options.routingKey, base]);
  }

  destinationOf(): string {
    return this.name;
  }

  /**
   * Sends each alert's event in order and stops at the first one not accepted. A retry sends them all
   * again: PagerDuty deduplicates on dedup_key, so a repeated trigger adds to the same alert.
   */
  async send(notification: Notification): Promise<DeliveryResult> {
    for (const alert of notification.alerts) {
      const result = await this.#sendOne(
        pagerDutyEvent(alert, this.#routingKey, this.#source, this.#clientUrl),
      );
      if (result.outcome !== 'accepted') return result;
    }
    return accepted;
  }

  async #sendOne(event: PagerDutyEvent): Promise<DeliveryResult> {
    const answer = await postJson(this.#endpoint, event, { timeoutMs: this.#timeoutMs });
    if (!isAnswer(answer)) return retriable(this.#scrub(`PagerDuty did not answer: ${answer.problem}`));
    const { status } = answer;
    if (status >= 200 && status < 300) return accepted;
    const said = this.#scrub(`HTTP ${status} ${describeBody(answer.body)}`);
    if (isRetriableStatus(status)) {
      return retriable(
        `PagerDuty ${status === 429 ? 'rate-limited the routing key' : 'failed'}: ${said}`,
        retryAfterMs(answer.headers.get('retry-after'), this.#clock),
      );
    }
    return permanent(`PagerDuty refused the event: ${said}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `invalid event: Event object is invalid (errors: ...)` from PagerDuty's JSON error body, else the body. */
function describeBody(body: string): string {
  try {
    const json = JSON.parse(body) as { status?: unknown; message?: unknown; errors?: unknown };
    const parts = [json.status, json.message].filter((p): p is string => typeof p === 'string');
    const errors = Array.isArray(json.errors) ? json.errors.filter((e) => typeof e === 'string') : [];
    if (parts.length > 0 || errors.length > 0) {
      return quoteBody(`${parts.join(': ')}${errors.length > 0 ? ` (errors: ${errors.join('; ')})` : ''}`);
    }
  } catch {
    // Not JSON: quote it as it is.
  }
  return quoteBody(body) || '(empty body)';
}
