import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  SLACK_PERMANENT_ERRORS,
  SlackNotifier,
  compileDeliveryPolicy,
  deliverWithRetries,
  type SlackMessage,
} from '../../../sinks/notifiers/index.ts';
import { SlackReceiver } from '../../../stack/receivers/slack-receiver.ts';
import { T0, alert, fakeSleep, resolved } from './helpers.ts';

const receivers: SlackReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function setup(options: { enforceRateLimit?: boolean; ratePerSecond?: number } = {}) {
  const clock = new ManualClock(T0);
  const sleep = fakeSleep(clock);
  const receiver = await SlackReceiver.start({ clock, enforceRateLimit: options.enforceRateLimit ?? true });
  receivers.push(receiver);
  const alerts = receiver.webhook('alerts');
  const ops = receiver.webhook('ops');
  const notifier = new SlackNotifier({
    channels: { alerts, ops },
    defaultChannel: 'alerts',
    severityChannels: { info: 'ops' },
    clock,
    sleep,
    ...(options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond }),
  });
  return { clock, sleep, receiver, urls: { alerts, ops }, notifier };
}

describe('SlackNotifier', () => {
  it('posts Block Kit with a text fallback, the severity mark and colour, and every fact of the alert', async () => {
    const { receiver, urls, notifier } = await setup();
    const firing = alert({ labels: { portfolio: 'momentum-main', strategy: 'm<1>' } });
    expect(await notifier.send({ alerts: [firing] })).toEqual({ outcome: 'accepted' });
    const [request] = receiver.accepted(urls.alerts);
    const message = request!.json as SlackMessage;
    expect(message.text).toBe(
      '[FIRING] critical prod portfolio_drawdown: momentum-main drawdown 12.4% exceeds 10%',
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':red_circle: FIRING · critical · prod · portfolio_drawdown',
        emoji: true,
      },
    });
    const [attachment] = message.attachments;
    expect(attachment!.color).toBe('#B00020');
    const section = attachment!.blocks[0] as unknown as {
      text: { text: string };
      fields: { text: string }[];
    };
    expect(section.text.text).toBe(
      ':red_circle: *portfolio_drawdown*\nmomentum-main drawdown 12.4% exceeds 10%',
    );
    expect(section.fields.map((f) => f.text)).toEqual([
      '*Status*\nFIRING',
      '*Severity*\ncritical',
      '*Environment*\nprod',
      '*Starts*\n2026-01-05T08:00:00Z',
      '*Value*\n0.124',
      '*Threshold*\n0.1',
    ]);
    const context = attachment!.blocks[1] as unknown as { elements: { text: string }[] };
    // Labels sorted by name; mrkdwn escapes < and >.
    expect(context.elements[0]!.text).toBe('labels: portfolio=momentum-main, strategy=m&lt;1&gt;');
    expect(context.elements[1]!.text).toBe('fingerprint: `fp-drawdown-p1`');

    expect(await notifier.send({ alerts: [resolved(firing)] })).toEqual({ outcome: 'accepted' });
    const after = receiver.accepted(urls.alerts)[1]!.json as SlackMessage;
    expect(after.text.startsWith('[RESOLVED] critical prod portfolio_drawdown')).toBe(true);
    expect(after.attachments[0]!.color).toBe('#2EB67D');
    const fields = (after.attachments[0]!.blocks[0] as unknown as { fields: { text: string }[] }).fields.map(
      (f) => f.text,
    );
    // Ends = starts + 60 s.
    expect(fields).toContain('*Ends*\n2026-01-05T08:01:00Z');
  });

  it('routes by target, then by severity channel, then to the default channel', async () => {
    const { receiver, urls, notifier } = await setup({ enforceRateLimit: false });
    await notifier.send({ alerts: [alert({ severity: 'info' })] });
    await notifier.send({ alerts: [alert()], target: 'ops' });
    await notifier.send({ alerts: [alert({ severity: 'warning' })] });
    expect(receiver.accepted(urls.ops)).toHaveLength(2);
    expect(receiver.accepted(urls.alerts)).toHaveLength(1);
    const unknown = await notifier.send({ alerts: [alert()], target: 'nowhere' });
    expect(unknown).toEqual({
      outcome: 'permanent',
      reason: 'no webhook for Slack channel "nowhere" (configured: alerts, ops)',
    });
  });

  it('sends at most one message per second per webhook, measured on the injected clock', async () => {
    const { clock, receiver, urls, notifier } = await setup({ enforceRateLimit: true });
    for (let i = 0; i < 4; i += 1) {
      expect((await notifier.send({ alerts: [alert({ fingerprint: `a${i}` })] })).outcome).toBe('accepted');
    }
    // Another webhook has its own bucket: not held back by the first one's.
    expect((await notifier.send({ alerts: [alert({ severity: 'info' })] })).outcome).toBe('accepted');
    const at = (url: string) => receiver.accepted(url).map((r) => r.at - T0);
    expect(at(urls.alerts)).toEqual([0, 1_000, 2_000, 3_000]);
    expect(at(urls.ops)).toEqual([3_000]);
    expect(receiver.rateLimited).toBe(0);
    expect(clock.now() - T0).toBe(3_000);
  });

  it('honours 429 Retry-After: the retry waits that long, and so does the webhook’s next message', async () => {
    const { clock, sleep, receiver, urls, notifier } = await setup({ enforceRateLimit: false });
    const path = new URL(urls.alerts).pathname;
    receiver.http.script(path, [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } }]);
    const policy = compileDeliveryPolicy({ initialBackoffMs: 1_000, maxAttempts: 3 });
    const outcome = await deliverWithRetries(() => notifier.send({ alerts: [alert()] }), policy, {
      clock,
      wait: (ms) => sleep(ms),
    });
    expect(outcome.result.outcome).toBe('accepted');
    expect(outcome.attempts).toBe(2);
    // The 429 arrived at t=0; Retry-After: 7 → the retry went out at t=7000.
    expect(receiver.http.requests.map((r) => r.at - T0)).toEqual([0, 7_000]);
    await notifier.send({ alerts: [alert({ fingerprint: 'next' })] });
    // The bucket refilled during the pause, and the next token comes 1 s after the retry.
    expect(receiver.accepted(urls.alerts).map((r) => r.at - T0)).toEqual([7_000, 8_000]);
  });

  it.each(
    Object.entries({
      invalid_payload: 400,
      user_not_found: 400,
      action_prohibited: 403,
      posting_to_general_channel_denied: 403,
      channel_not_found: 404,
      no_service: 404,
      channel_is_archived: 410,
    }),
  )('classifies %s (HTTP %i) as permanent', async (error, status) => {
    const { receiver, urls, notifier } = await setup({ enforceRateLimit: false });
    receiver.http.script(new URL(urls.alerts).pathname, [{ status, body: error }]);
    const result = await notifier.send({ alerts: [alert()] });
    expect(result).toEqual({
      outcome: 'permanent',
      reason: `Slack refused the message: HTTP ${status} ${error}: ${SLACK_PERMANENT_ERRORS[error]}`,
    });
  });

  it('classifies 5xx (rollup_error, 503) and a refused connection as retriable', async () => {
    const { receiver, urls, notifier } = await setup({ enforceRateLimit: false });
    const path = new URL(urls.alerts).pathname;
    receiver.http.script(path, [
      { status: 500, body: 'rollup_error' },
      { status: 503, body: 'Service Unavailable', headers: { 'retry-after': '2' } },
    ]);
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'Slack failed: HTTP 500 rollup_error',
    });
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'Slack failed: HTTP 503 Service Unavailable',
      retryAfterMs: 2_000,
    });
    await receiver.http.down();
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'Slack did not answer: connection refused (ECONNREFUSED)',
    });
  });

  it('really posts valid Block Kit: the contract receiver accepts a notification of many alerts', async () => {
    const { receiver, urls, notifier } = await setup({ enforceRateLimit: false });
    const many = Array.from({ length: 14 }, (_, i) =>
      alert({
        fingerprint: `f${i}`,
        summary: 'x'.repeat(5_000),
        status: i % 2 === 0 ? 'firing' : 'resolved',
      }),
    );
    expect(await notifier.send({ alerts: many })).toEqual({ outcome: 'accepted' });
    const message = receiver.accepted(urls.alerts)[0]!.json as SlackMessage;
    expect(message.text.startsWith('[7 firing, 7 resolved] critical: 14 alerts')).toBe(true);
    // 10 alerts shown (2 blocks each, 9 dividers) and a "more" line.
    expect(message.attachments[0]!.blocks).toHaveLength(10 * 2 + 9 + 1);
  });
});
