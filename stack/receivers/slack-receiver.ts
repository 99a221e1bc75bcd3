/**
 * A local Slack incoming-webhook endpoint speaking Slack's documented contract: POST JSON to
 * `/services/T…/B…/<token>`; 200 `ok` on success; 400 `invalid_payload` for a body that is not a JSON
 * object, 400 `no_text` without text or blocks, 400 `invalid_blocks` for blocks breaking Block Kit's
 * limits (50 blocks, 150-character headers, 3000-character sections, 10 fields of 2000), 400
 * `too_many_attachments` past 100, 404 `no_service` for a webhook that does not exist; and, when told,
 * Slack's rate limit of one message per second per webhook (429 with `Retry-After: 1`), measured on the
 * receiver's clock. Tests script 403/404/410/5xx answers through {@link HttpReceiver.script}.
 */
import type { Clock } from '../../core/clock.ts';
import { HttpReceiver, type Answer, type ReceivedRequest } from './http-receiver.ts';

const WEBHOOK_PATH = /^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/;
const BLOCK_TYPES = new Set(['header', 'section', 'context', 'divider', 'actions', 'image', 'rich_text']);

export interface SlackReceiverOptions {
  readonly clock?: Clock;
  /** Refuse (429, Retry-After: 1) a second message to a webhook within a second. Default false. */
  readonly enforceRateLimit?: boolean;
}

export class SlackReceiver {
  readonly http: HttpReceiver;
  readonly #webhooks = new Set<string>();
  /** Accepted messages per webhook path. */
  readonly #accepted = new Map<string, ReceivedRequest[]>();
  readonly #lastAt = new Map<string, number>();
  #rateLimited = 0;

  private constructor(http: HttpReceiver) {
    this.http = http;
  }

  static async start(options: SlackReceiverOptions = {}): Promise<SlackReceiver> {
    // The handler needs the receiver, which needs the server: set once both exist.
    const holder: { receiver?: SlackReceiver } = {};
    const http = await HttpReceiver.start({
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      handler: (request) => holder.receiver!.#handle(request, options.enforceRateLimit === true),
    });
    holder.receiver = new SlackReceiver(http);
    return holder.receiver;
  }

  /** Creates a webhook and returns its URL (`/services/T…/B…/<token>`). */
  webhook(channel: string): string {
    const token = `${channel.replace(/[^A-Za-z0-9]/g, '')}Secr3tT0ken${this.#webhooks.size}`;
    const path = `/services/T00TEST/B${String(this.#webhooks.size).padStart(4, '0')}X/${token}`;
    this.#webhooks.add(path);
    return `${this.http.url}${path}`;
  }

  /** Messages accepted on a webhook (by its URL), in order. */
  accepted(url: string): readonly ReceivedRequest[] {
    return this.#accepted.get(new URL(url).pathname) ?? [];
  }

  /** How many requests the rate limit refused. */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  #handle(request: ReceivedRequest, enforceRateLimit: boolean): Answer {
    const path = request.path.split('?')[0] ?? '';
    if (request.method !== 'POST') return { status: 405, body: 'invalid_method' };
    if (!WEBHOOK_PATH.test(path) || !this.#webhooks.has(path)) return { status: 404, body: 'no_service' };
    if (enforceRateLimit) {
      const last = this.#lastAt.get(path);
      if (last !== undefined && request.at - last < 1000) {
        this.#rateLimited += 1;
        return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
      }
    }
    const problem = checkMessage(request);
    if (problem !== undefined) return { status: 400, body: problem };
    this.#lastAt.set(path, request.at);
    this.#accepted.set(path, [...(this.#accepted.get(path) ?? []), request]);
    return { status: 200, body: 'ok' };
  }
}

/** Slack's error string for a message it would refuse, or undefined. */
export function checkMessage(request: ReceivedRequest): string | undefined {
  const type = String(request.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return 'invalid_payload';
  const message = request.json;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'invalid_payload';
  const m = message as { text?: unknown; blocks?: unknown; attachments?: unknown };
  const hasText = typeof m.text === 'string' && m.text.trim() !== '';
  if (!hasText && m.blocks === undefined) return 'no_text';
  if (m.blocks !== undefined && !blocksValid(m.blocks)) return 'invalid_blocks';
  if (m.attachments !== undefined) {
    if (!Array.isArray(m.attachments)) return 'invalid_attachments';
    if (m.attachments.length > 100) return 'too_many_attachments';
    for (const a of m.attachments as { blocks?: unknown }[]) {
      if (a.blocks !== undefined && !blocksValid(a.blocks)) return 'invalid_blocks';
    }
  }
  return undefined;
}

function textObject(value: unknown, max: number, plainOnly = false): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as { type?: unknown; text?: unknown };
  if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn')) return false;
  return typeof t.text === 'string' && t.text.length > 0 && t.text.length <= max;
}

function blocksValid(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((block: unknown) => {
    if (typeof block !== 'object' || block === null) return false;
    const b = block as { type?: unknown; text?: unknown; fields?: unknown; elements?: unknown };
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) return false;
    switch (b.type) {
      case 'header':
        return textObject(b.text, 150, true);
      case 'section':
        if (b.text === undefined && b.fields === undefined) return false;
        if (b.text !== undefined && !textObject(b.text, 3000)) return false;
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) return false;
          if (!b.fields.every((f: unknown) => textObject(f, 2000))) return false;
        }
        return true;
      case 'context':
        return (
          Array.isArray(b.elements) &&
          b.elements.length > 0 &&
          b.elements.length <= 10 &&
          b.elements.every((e: unknown) => textObject(e, 3000))
        );
      default:
        return true;
    }
  });
}
