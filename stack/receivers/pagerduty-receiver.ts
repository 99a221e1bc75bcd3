/**
 * A local PagerDuty Events API v2 endpoint speaking the documented contract: POST /v2/enqueue with a
 * JSON event; 202 `{status: "success", message: "Event processed", dedup_key}` for a valid one; 400
 * `{status: "invalid event", message: "Event object is invalid", errors: [...]}` for an invalid one
 * (a routing key that is not 32 characters, an unknown event_action, a trigger without summary, source
 * or a valid severity, a summary over 1024 or a dedup_key over 255 characters). Tests script 429 and
 * 5xx answers, or take it down. Accepted events are kept in order.
 */
import type { Clock } from '../../core/clock.ts';
import { HttpReceiver, type Answer, type ReceivedRequest } from './http-receiver.ts';

export const ENQUEUE_PATH = '/v2/enqueue';
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export interface AcceptedEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: string;
    readonly timestamp?: string;
    readonly custom_details?: Record<string, unknown>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

export class PagerDutyReceiver {
  readonly http: HttpReceiver;
  readonly #events: AcceptedEvent[] = [];

  private constructor(http: HttpReceiver) {
    this.http = http;
  }

  static async start(options: { clock?: Clock } = {}): Promise<PagerDutyReceiver> {
    // The handler needs the receiver, which needs the server: set once both exist.
    const holder: { receiver?: PagerDutyReceiver } = {};
    const http = await HttpReceiver.start({
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      handler: (request) => holder.receiver!.#handle(request),
    });
    holder.receiver = new PagerDutyReceiver(http);
    return holder.receiver;
  }

  /** The base URL to configure (events go to `{url}/v2/enqueue`). */
  get url(): string {
    return this.http.url;
  }

  /** Accepted events, in order. */
  get events(): readonly AcceptedEvent[] {
    return this.#events;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  #handle(request: ReceivedRequest): Answer {
    if (request.method !== 'POST' || request.path !== ENQUEUE_PATH) return { status: 404, body: 'Not Found' };
    const errors = eventErrors(request.json);
    if (errors.length > 0) {
      return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    }
    const event = request.json as AcceptedEvent;
    const dedupKey = event.dedup_key ?? `generated-${this.#events.length}`;
    this.#events.push({ ...event, dedup_key: dedupKey });
    return json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }
}

function json(status: number, body: unknown): Answer {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** What PagerDuty would say is wrong with an event. */
export function eventErrors(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return ['Event object is not JSON'];
  const e = value as Record<string, unknown>;
  const errors: string[] = [];
  if (typeof e['routing_key'] !== 'string' || e['routing_key'].length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  if (typeof e['event_action'] !== 'string' || !ACTIONS.includes(e['event_action'])) {
    errors.push("'event_action' is missing or blank");
  }
  if (e['dedup_key'] !== undefined && (typeof e['dedup_key'] !== 'string' || e['dedup_key'].length > 255)) {
    errors.push("'dedup_key' must be a string of at most 255 characters");
  }
  if (e['event_action'] !== 'trigger' && e['dedup_key'] === undefined && errors.length === 0) {
    errors.push("'dedup_key' is required for acknowledge and resolve events");
  }
  if (e['event_action'] === 'trigger') {
    const p = e['payload'];
    if (typeof p !== 'object' || p === null) errors.push("'payload' is missing or blank");
    else {
      const payload = p as Record<string, unknown>;
      if (typeof payload['summary'] !== 'string' || payload['summary'] === '') {
        errors.push("'payload.summary' is missing or blank");
      } else if (payload['summary'].length > 1024)
        errors.push("'payload.summary' is longer than 1024 characters");
      if (typeof payload['source'] !== 'string' || payload['source'] === '') {
        errors.push("'payload.source' is missing or blank");
      }
      if (typeof payload['severity'] !== 'string' || !SEVERITIES.includes(payload['severity'])) {
        errors.push("'payload.severity' is invalid (must be one of critical, error, warning, info)");
      }
      if (
        payload['timestamp'] !== undefined &&
        (typeof payload['timestamp'] !== 'string' || Number.isNaN(Date.parse(payload['timestamp'])))
      ) {
        errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
      }
    }
  }
  return errors;
}
