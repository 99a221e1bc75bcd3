/**
 * Slack through incoming webhooks: one webhook URL per channel (a webhook posts to the one channel it
 * was created for), at most one message per second per webhook (a token bucket each, Slack's limit),
 * HTTP 429 honoured through Retry-After (the webhook's bucket pauses that long), the documented
 * permanent errors classified permanent so they go to the fallback route instead of being retried.
 *
 * Contract (Slack's "Sending messages using incoming webhooks", and its changelog of 2016-05-17 on
 * webhook errors): POST the message as JSON; 200 with body `ok` is success; errors come back as a
 * status and a short string body, see {@link SLACK_PERMANENT_ERRORS}.
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Severity } from '../../schemas/index.ts';
import { worstSeverity } from './format.ts';
import { isAnswer, isRetriableStatus, postJson, quoteBody, retryAfterMs } from './http.ts';
import { secretScrubber, type SecretScrubber } from './secrets.ts';
import { slackMessage } from './slack-message.ts';
import { realSleep, type Sleep } from './sleep.ts';
import { TokenBucket } from './token-bucket.ts';
import {
  accepted,
  permanent,
  retriable,
  type DeliveryResult,
  type Notification,
  type Notifier,
} from './types.ts';

/**
 * Error strings an incoming webhook answers with that retrying cannot fix, and what they mean. Any
 * other 4xx (but 408 and 429) is permanent too; 5xx (`rollup_error` included) is retriable.
 */
export const SLACK_PERMANENT_ERRORS: Readonly<Record<string, string>> = {
  invalid_payload: 'the message is not valid JSON or not a valid message (HTTP 400)',
  user_not_found: 'the user named in the request does not exist (HTTP 400)',
  no_text: 'the message has no text (HTTP 400)',
  invalid_blocks: 'the Block Kit blocks are invalid (HTTP 400)',
  invalid_blocks_format: 'the blocks are not an array of block objects (HTTP 400)',
  too_many_attachments: 'the message has more than 100 attachments (HTTP 400)',
  no_service_id: 'the webhook URL lacks its service id (HTTP 400)',
  no_team: 'the webhook URL lacks its workspace (HTTP 400)',
  action_prohibited: 'the workspace restricts posting through this webhook (HTTP 403)',
  posting_to_general_channel_denied: 'only admins may post to this channel (HTTP 403)',
  invalid_token: 'the webhook token is invalid (HTTP 403)',
  team_disabled: 'the workspace is disabled (HTTP 403)',
  channel_not_found: 'the channel of this webhook does not exist (HTTP 404)',
  no_service: 'the webhook is disabled, removed or invalid (HTTP 404)',
  channel_is_archived: 'the channel of this webhook is archived (HTTP 410)',
};

export interface SlackNotifierOptions {
  /** The notifier's name. Default `slack`. */
  readonly name?: string;
  /** Channel name → incoming webhook URL (a secret: never logged). At least one. */
  readonly channels: Readonly<Record<string, string>>;
  /** The channel of notifications with no target and no severity channel. Default: the first channel. */
  readonly defaultChannel?: string;
  /** Channel per severity (of the most severe alert of a notification), when no target is given. */
  readonly severityChannels?: Readonly<Partial<Record<Severity, string>>>;
  /** Messages per second per webhook; 0 turns the limit off (benchmarks only). Default 1 (Slack's limit). */
  readonly ratePerSecond?: number;
  /** Messages a webhook may send at once before the rate applies. Default 1. */
  readonly burst?: number;
  /** Deadline of one POST, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Time for the rate limit and Retry-After dates. Default the system clock. */
  readonly clock?: Clock;
  /** How the rate limit waits. Default real timers. */
  readonly sleep?: Sleep;
}

export class SlackNotifier implements Notifier {
  readonly name: string;
  readonly kind = 'slack' as const;
  readonly #channels: ReadonlyMap<string, string>;
  readonly #defaultChannel: string;
  readonly #severityChannels: Readonly<Partial<Record<Severity, string>>>;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #scrub: SecretScrubber;

  constructor(options: SlackNotifierOptions) {
    this.name = options.name ?? 'slack';
    this.#channels = new Map(Object.entries(options.channels));
    const first = this.#channels.keys().next();
    if (first.done === true) throw new RangeError(`slack notifier ${this.name}: no channel configured`);
    this.#defaultChannel = options.defaultChannel ?? first.value;
    this.#severityChannels = options.severityChannels ?? {};
    for (const channel of [this.#defaultChannel, ...Object.values(this.#severityChannels)]) {
      if (!this.#channels.has(channel)) {
        throw new RangeError(`slack notifier ${this.name}: channel "${channel}" has no webhook`);
      }
    }
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    const rate = options.ratePerSecond ?? 1;
    if (rate > 0) {
      // One bucket per webhook URL: two channel names sharing a webhook share its limit.
      for (const url of new Set(this.#channels.values())) {
        this.#buckets.set(
          url,
          new TokenBucket({
            ratePerSecond: rate,
            burst: options.burst ?? 1,
            clock: this.#clock,
            sleep: options.sleep ?? realSleep,
          }),
        );
      }
    }
    this.#scrub = secretScrubber([...this.#channels.values()]);
  }

  destinationOf(notification: Notification): string {
    if (notification.target !== undefined) return notification.target;
    return this.#severityChannels[worstSeverity(notification.alerts)] ?? this.#defaultChannel;
  }

  async send(notification: Notification): Promise<DeliveryResult> {
    const channel = this.destinationOf(notification);
    const url = this.#channels.get(channel);
    if (url === undefined) {
      return permanent(
        `no webhook for Slack channel "${channel}" (configured: ${[...this.#channels.keys()].join(', ')})`,
      );
    }
    const bucket = this.#buckets.get(url);
    await bucket?.take();
    const answer = await postJson(url, slackMessage(notification), { timeoutMs: this.#timeoutMs });
    if (!isAnswer(answer)) return retriable(this.#scrub(`Slack did not answer: ${answer.problem}`));
    const { status, body } = answer;
    if (status >= 200 && status < 300) return accepted;
    const error = body.trim();
    const said = this.#scrub(`HTTP ${status} ${quoteBody(error) || '(empty body)'}`);
    if (status === 429) {
      const wait = retryAfterMs(answer.headers.get('retry-after'), this.#clock) ?? 1000;
      bucket?.pauseFor(wait);
      return retriable(`Slack rate-limited the webhook: ${said}`, wait);
    }
    const meaning = SLACK_PERMANENT_ERRORS[error];
    if (meaning !== undefined && !isRetriableStatus(status)) {
      return permanent(`Slack refused the message: ${said}: ${meaning}`);
    }
    if (isRetriableStatus(status)) {
      return retriable(`Slack failed: ${said}`, retryAfterMs(answer.headers.get('retry-after'), this.#clock));
    }
    return permanent(`Slack refused the message: ${said}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
