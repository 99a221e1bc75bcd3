import { afterEach, describe, expect, it } from 'vitest';
import {
  AlertmanagerNotifier,
  LogNotifier,
  PagerDutyNotifier,
  SlackNotifier,
  type DeliveryResult,
} from '../../../sinks/notifiers/index.ts';
import { secretScrubber } from '../../../sinks/notifiers/secrets.ts';
import { HttpReceiver } from '../../../stack/receivers/http-receiver.ts';
import { ENQUEUE_PATH, PagerDutyReceiver } from '../../../stack/receivers/pagerduty-receiver.ts';
import { SlackReceiver } from '../../../stack/receivers/slack-receiver.ts';
import { alert, capturedLogger } from './helpers.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const reasonOf = (result: DeliveryResult): string => ('reason' in result ? result.reason : '');

describe('secrets never reach a result, an error or a log line', () => {
  it('hides a webhook URL, its path and its token, a routing key and URL credentials', () => {
    const scrub = secretScrubber([
      'https://hooks.slack.com/services/T0ABC/B0DEF/xyzSecretToken123',
      ROUTING_KEY,
      'http://am-user:am-pass-123@alertmanager.internal:9093',
    ]);
    expect(scrub('POST https://hooks.slack.com/services/T0ABC/B0DEF/xyzSecretToken123 failed')).toBe(
      'POST *** failed',
    );
    expect(scrub('no such path /services/T0ABC/B0DEF/xyzSecretToken123')).toBe('no such path ***');
    expect(scrub('token=xyzSecretToken123&key=' + ROUTING_KEY)).toBe('token=***&key=***');
    expect(scrub('auth am-user:am-pass-123 at alertmanager.internal:9093')).toBe('auth ***:*** at ***');
    // Any other URL with a password loses it.
    expect(scrub('see postgres://u:pw@db:5432/x')).toBe('see postgres://u:***@db:5432/x');
  });

  it('Slack: a receiver echoing the webhook path in its error is scrubbed', async () => {
    const receiver = await SlackReceiver.start();
    closers.push(() => receiver.close());
    const url = receiver.webhook('alerts');
    const path = new URL(url).pathname;
    const token = path.split('/').at(-1)!;
    receiver.http.script(path, [{ status: 500, body: `internal error handling ${url} (token ${token})` }]);
    const notifier = new SlackNotifier({ channels: { alerts: url } });
    const reason = reasonOf(await notifier.send({ alerts: [alert()] }));
    expect(reason).toBe('Slack failed: HTTP 500 internal error handling *** (token ***)');
  });

  it('PagerDuty: a receiver echoing the routing key is scrubbed', async () => {
    const receiver = await PagerDutyReceiver.start();
    closers.push(() => receiver.close());
    receiver.http.script(ENQUEUE_PATH, [
      { status: 400, body: JSON.stringify({ status: 'invalid event', message: `bad key ${ROUTING_KEY}` }) },
    ]);
    const notifier = new PagerDutyNotifier({ routingKey: ROUTING_KEY, url: receiver.url });
    const reason = reasonOf(await notifier.send({ alerts: [alert()] }));
    expect(reason).toBe('PagerDuty refused the event: HTTP 400 invalid event: bad key ***');
  });

  it('Alertmanager: credentials in the URL become basic auth and never show', async () => {
    const receiver = await HttpReceiver.start({
      handler: (request) => ({ status: 400, body: `rejected: ${String(request.headers.authorization)}` }),
    });
    closers.push(() => receiver.close());
    const url = receiver.url.replace('http://', 'http://am-user:am-pass-123@');
    const notifier = new AlertmanagerNotifier({ url });
    const result = await notifier.send({ alerts: [alert()] });
    const basic = Buffer.from('am-user:am-pass-123').toString('base64');
    expect(receiver.requests[0]?.headers.authorization).toBe(`Basic ${basic}`);
    expect(reasonOf(result)).toBe('Alertmanager refused the alerts: HTTP 400 rejected: ***');
  });

  it('the log fallback writes the scrubbed reason and no configuration', async () => {
    const { logger, lines } = capturedLogger();
    const log = new LogNotifier({ logger });
    await log.send({
      alerts: [alert()],
      failure: {
        notifier: 'slack',
        destination: 'alerts',
        reason: 'Slack refused the message: HTTP 404 no_service',
      },
    });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 50, code: 'TW_NOTIFY_REJECTED', notifier: 'log' });
    expect(String(line['msg'])).toContain(
      'slack refused it for good: Slack refused the message: HTTP 404 no_service',
    );
  });
});
