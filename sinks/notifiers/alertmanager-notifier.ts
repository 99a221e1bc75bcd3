/**
 * Prometheus Alertmanager: POST {base}/api/v2/alerts with the alerts as Alertmanager's postable alerts,
 * so that teams that already route, group and silence in Alertmanager can.
 *
 * Contract (Alertmanager's OpenAPI v2, `postAlerts`): a JSON array of `{labels, annotations, startsAt,
 * endsAt, generatorURL}`; 200 accepted; 400 (invalid alerts) permanent; 5xx retried. Alertmanager
 * identifies an alert by its label set, and ends it at `endsAt`: a resolved alert carries its real end
 * (it ends at once); a firing alert carries now + `firingTtlMs`, because an alert whose endsAt passes
 * without an update is resolved by Alertmanager itself (Prometheus re-sends firing alerts for this
 * reason; tradewatch re-sends at the lifecycle's repeat interval, which must stay below the TTL).
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Alert } from '../../schemas/index.ts';
import { formatValue } from './format.ts';
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

const DAY_MS = 24 * 60 * 60 * 1000;

export interface AlertmanagerNotifierOptions {
  /** The notifier's name. Default `alertmanager`. */
  readonly name?: string;
  /**
   * Alertmanager's base URL (`http://host:9093`, or with a path prefix when it runs behind one).
   * `user:password@` in it becomes HTTP basic authentication. A secret: never logged.
   */
  readonly url: string;
  /** How long a firing alert stays active in Alertmanager without being sent again, in ms. Default 24 h. */
  readonly firingTtlMs?: number;
  /** `generatorURL` of every alert (e.g. a dashboard). Default none. */
  readonly generatorUrl?: string;
  /** Deadline of one POST, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Time for firing alerts' endsAt and Retry-After dates. Default the system clock. */
  readonly clock?: Clock;
}

/** One postable alert. */
export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

/** Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*` (Alertmanager 0.25 accepts no others). */
export function labelName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/**
 * The postable alert of one of ours. Labels: the alert's own (names made valid), then `alertname` (the
 * rule), `fingerprint`, `severity` and `env`, which win over same-named alert labels.
 */
export function alertmanagerAlert(
  alert: Alert,
  now: number,
  firingTtlMs: number,
  generatorUrl?: string,
): AlertmanagerAlert {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(alert.labels)) labels[labelName(name)] = value;
  Object.assign(labels, {
    alertname: alert.rule,
    fingerprint: alert.fingerprint,
    severity: alert.severity,
    env: alert.env,
  });
  const annotations: Record<string, string> = { summary: alert.summary };
  if (alert.description) annotations['description'] = alert.description;
  if (alert.value !== null) annotations['value'] = formatValue(alert.value, alert.unit);
  if (alert.threshold !== null) annotations['threshold'] = formatValue(alert.threshold, alert.unit);
  const endsAt = alert.status === 'resolved' ? (alert.ends_at ?? alert.ts) : now + firingTtlMs;
  return {
    labels,
    annotations,
    startsAt: new Date(alert.starts_at).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    ...(generatorUrl === undefined ? {} : { generatorURL: generatorUrl }),
  };
}

export class AlertmanagerNotifier implements Notifier {
  readonly name: string;
  readonly kind = 'alertmanager' as const;
  readonly #endpoint: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #firingTtlMs: number;
  readonly #generatorUrl: string | undefined;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #scrub: SecretScrubber;

  constructor(options: AlertmanagerNotifierOptions) {
    this.name = options.name ?? 'alertmanager';
    const url = new URL(options.url);
    // fetch refuses URLs with credentials: send them as basic authentication instead.
    const headers: Record<string, string> = {};
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.#headers = headers;
    this.#endpoint = `${url.toString().replace(/\/+$/, '')}/api/v2/alerts`;
    this.#firingTtlMs = options.firingTtlMs ?? DAY_MS;
    this.#generatorUrl = options.generatorUrl;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#scrub = secretScrubber([options.url, ...Object.values(headers)]);
  }

  destinationOf(): string {
    return this.name;
  }

  async send(notification: Notification): Promise<DeliveryResult> {
    const now = this.#clock.now();
    const body = notification.alerts.map((a) =>
      alertmanagerAlert(a, now, this.#firingTtlMs, this.#generatorUrl),
    );
    const answer = await postJson(this.#endpoint, body, {
      timeoutMs: this.#timeoutMs,
      headers: this.#headers,
    });
    if (!isAnswer(answer)) return retriable(this.#scrub(`Alertmanager did not answer: ${answer.problem}`));
    const { status } = answer;
    if (status >= 200 && status < 300) return accepted;
    const said = this.#scrub(`HTTP ${status} ${quoteBody(answer.body) || '(empty body)'}`);
    if (isRetriableStatus(status)) {
      return retriable(
        `Alertmanager failed: ${said}`,
        retryAfterMs(answer.headers.get('retry-after'), this.#clock),
      );
    }
    return permanent(`Alertmanager refused the alerts: ${said}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
