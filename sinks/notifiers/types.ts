/**
 * The notifier contract: what every notifier (Slack, email through SES, PagerDuty, Alertmanager, the
 * log-only fallback) implements, and what the dispatcher's delivery (sinks/dispatch/delivery.ts) relies on.
 *
 * Terminology:
 * - a **notification** is one message to one receiver about one or more alerts (a route's `group_by`
 *   or the daily digest puts several in one);
 * - a **destination** is where inside a notifier a notification goes (a Slack channel; the notifier's
 *   own name when it has one destination). It names rate limits and outages, and is never a secret;
 * - a **delivery result** says what the receiver did: accepted it (done), refused it for now
 *   (retriable: try again later, after `retryAfterMs` when the receiver said so) or refused it for good
 *   (permanent: retrying cannot help; it is reported on the fallback route).
 */
import type { Alert } from '../../schemas/index.ts';

/** Why another notifier could not deliver: what a fallback notification reports. */
export interface DeliveryFailureReport {
  /** The notifier that failed. */
  readonly notifier: string;
  /** Its destination (a channel name, never a URL). */
  readonly destination: string;
  /** What the receiver said, secrets removed. */
  readonly reason: string;
}

/** One message to one receiver. */
export interface Notification {
  /** The alerts it is about: one or more. */
  readonly alerts: readonly Alert[];
  /**
   * A destination inside the notifier (a Slack channel name, as configured). Default: the notifier's
   * own choice (e.g. by severity). The routing stage sets it.
   */
  readonly target?: string;
  /** Set when this notification reports another notifier's permanent failure (the fallback route). */
  readonly failure?: DeliveryFailureReport;
}

/** The receiver accepted the notification. */
export interface Accepted {
  readonly outcome: 'accepted';
}

/** The receiver did not accept it now; the same notification may succeed later. */
export interface Retriable {
  readonly outcome: 'retriable';
  /** What happened (status, error string), without secrets. */
  readonly reason: string;
  /** How long the receiver asked us to wait (Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

/** The receiver refused it for good (bad payload, unknown channel, revoked key): do not retry. */
export interface Permanent {
  readonly outcome: 'permanent';
  /** What happened (status, error string), without secrets. */
  readonly reason: string;
}

export type DeliveryResult = Accepted | Retriable | Permanent;

/** The kinds of notifier the configuration knows. */
export const NOTIFIER_KINDS = ['slack', 'email', 'pagerduty', 'alertmanager', 'log'] as const;
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

/**
 * A notifier. `send` never throws for a delivery problem (an unreachable receiver is a retriable
 * result); a throw is a bug. Reasons and log lines never hold webhook URLs, routing keys or credentials.
 */
export interface Notifier {
  /** Unique name (from the configuration): the receiver name routes and the notification log use. */
  readonly name: string;
  readonly kind: NotifierKind;
  /** The destination `notification` goes to: a name, never a secret. */
  destinationOf(notification: Notification): string;
  /** Delivers one notification; waits for the notifier's own rate limit first. */
  send(notification: Notification): Promise<DeliveryResult>;
  /** Releases what the notifier holds (HTTP agents, SDK clients). Idempotent. */
  close(): Promise<void>;
}

export const accepted: Accepted = Object.freeze({ outcome: 'accepted' });

export function retriable(reason: string, retryAfterMs?: number): Retriable {
  return retryAfterMs === undefined
    ? { outcome: 'retriable', reason }
    : { outcome: 'retriable', reason, retryAfterMs };
}

export function permanent(reason: string): Permanent {
  return { outcome: 'permanent', reason };
}
