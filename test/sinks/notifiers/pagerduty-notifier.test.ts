import { afterEach, describe, expect, it } from 'vitest';
import { PagerDutyNotifier } from '../../../sinks/notifiers/index.ts';
import { ENQUEUE_PATH, PagerDutyReceiver } from '../../../stack/receivers/pagerduty-receiver.ts';
import { alert, resolved } from './helpers.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF'; // 32 characters, as PagerDuty's
const receivers: PagerDutyReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function setup(routingKey = ROUTING_KEY) {
  const receiver = await PagerDutyReceiver.start();
  receivers.push(receiver);
  const notifier = new PagerDutyNotifier({ routingKey, url: receiver.url, source: 'tradewatch-test' });
  return { receiver, notifier };
}

describe('PagerDutyNotifier', () => {
  it('triggers a firing alert and resolves it with the fingerprint as dedup_key (202 accepted)', async () => {
    const { receiver, notifier } = await setup();
    const firing = alert({ severity: 'error' });
    expect(await notifier.send({ alerts: [firing] })).toEqual({ outcome: 'accepted' });
    expect(await notifier.send({ alerts: [resolved(firing)] })).toEqual({ outcome: 'accepted' });
    expect(receiver.events).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'fp-drawdown-p1',
        payload: {
          summary: '[prod] momentum-main drawdown 12.4% exceeds 10%',
          source: 'tradewatch-test',
          severity: 'error',
          timestamp: '2026-01-05T08:00:00.000Z',
          class: 'portfolio_drawdown',
          group: 'prod',
          custom_details: {
            rule: 'portfolio_drawdown',
            env: 'prod',
            fingerprint: 'fp-drawdown-p1',
            labels: { portfolio: 'momentum-main' },
            value: 0.124,
            threshold: 0.1,
            starts_at: '2026-01-05T08:00:00Z',
          },
        },
        client: 'tradewatch',
      },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'fp-drawdown-p1' },
    ]);
  });

  it('maps every severity one to one', async () => {
    const { receiver, notifier } = await setup();
    for (const severity of ['critical', 'error', 'warning', 'info'] as const) {
      await notifier.send({ alerts: [alert({ severity, fingerprint: severity })] });
    }
    expect(receiver.events.map((e) => e.payload?.severity)).toEqual(['critical', 'error', 'warning', 'info']);
  });

  it('classifies 400 as permanent, with PagerDuty’s errors and without the routing key', async () => {
    const { receiver, notifier } = await setup('too-short-key');
    const result = await notifier.send({ alerts: [alert()] });
    expect(result).toEqual({
      outcome: 'permanent',
      reason:
        "PagerDuty refused the event: HTTP 400 invalid event: Event object is invalid (errors: Length of 'routing_key' is incorrect (should be 32 characters))",
    });
    expect(receiver.events).toHaveLength(0);
  });

  it('classifies 429 and 5xx as retriable (Retry-After kept), and a receiver that is down', async () => {
    const { receiver, notifier } = await setup();
    receiver.http.script(ENQUEUE_PATH, [
      { status: 429, body: '', headers: { 'retry-after': '30' } },
      { status: 500, body: '{"status":"error","message":"Internal error"}' },
      { status: 503, body: 'Service Unavailable' },
    ]);
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'PagerDuty rate-limited the routing key: HTTP 429 (empty body)',
      retryAfterMs: 30_000,
    });
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'PagerDuty failed: HTTP 500 error: Internal error',
    });
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'PagerDuty failed: HTTP 503 Service Unavailable',
    });
    expect(await notifier.send({ alerts: [alert()] })).toEqual({ outcome: 'accepted' });
    await receiver.http.down();
    expect(await notifier.send({ alerts: [alert()] })).toEqual({
      outcome: 'retriable',
      reason: 'PagerDuty did not answer: connection refused (ECONNREFUSED)',
    });
  });

  it('sends one event per alert of a notification, in order, and stops at the first refusal', async () => {
    const { receiver, notifier } = await setup();
    const a = alert({ fingerprint: 'a' });
    const b = alert({ fingerprint: 'b' });
    receiver.http.script(ENQUEUE_PATH, [
      { status: 202, body: '{"status":"success"}' },
      { status: 502, body: '' },
    ]);
    expect((await notifier.send({ alerts: [a, b, resolved(a)] })).outcome).toBe('retriable');
    // The retry sends all three again; PagerDuty's dedup_key makes the repeated trigger harmless.
    expect((await notifier.send({ alerts: [a, b, resolved(a)] })).outcome).toBe('accepted');
    expect(receiver.events.map((e) => `${e.event_action}:${e.dedup_key}`)).toEqual([
      'trigger:a',
      'trigger:b',
      'resolve:a',
    ]);
  });
});
