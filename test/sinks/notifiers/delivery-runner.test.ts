import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../../runtime/clock.ts';
import { readDeadLetter } from '../../../topics/index.ts';
import {
  PARKED_HEADERS,
  PagerDutyNotifier,
  SlackNotifier,
  readParkedHeaders,
  type DeliveryResult,
  type Notification,
  type Notifier,
} from '../../../sinks/notifiers/index.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { pipelinePrefix } from '../../helpers/pipeline.ts';
import { PagerDutyReceiver, type AcceptedEvent } from '../../helpers/receivers/pagerduty-receiver.ts';
import { SlackReceiver } from '../../helpers/receivers/slack-receiver.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  T0,
  alert,
  capturedLogger,
  committed,
  decodeAlert,
  fakeSleep,
  produceAlerts,
  readRaw,
  resolved,
  startRunner,
} from './helpers.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const POLICY = { maxAttempts: 3, initialBackoffMs: 1_000, maxElapsedMs: 60_000, probeIntervalMs: 30_000 };

async function pagerDuty(clock: ManualClock): Promise<PagerDutyReceiver> {
  const receiver = await PagerDutyReceiver.start({ clock });
  onTestFinished(() => receiver.close());
  return receiver;
}

/** `action:dedup_key` per accepted event, in order. */
const actions = (events: readonly AcceptedEvent[]) => events.map((e) => `${e.event_action}:${e.dedup_key}`);

/** The actions of one fingerprint, in order. */
const of = (events: readonly AcceptedEvent[], fingerprint: string) =>
  events.filter((e) => e.dedup_key === fingerprint).map((e) => e.event_action);

/**
 * Waits until the group has committed every input and retry record: at least the offset after the
 * last record of each partition (a transactional topic's end offset also counts its commit markers).
 */
async function allCommitted(prefix: string, notifier: string): Promise<void> {
  await waitFor('every offset committed', async () => {
    const want: Record<string, string> = {};
    for (const topic of ['alerts', 'alerts.retry']) {
      for (const r of await readRaw(prefix, topic))
        want[`${topic}/${r.partition}`] = String(BigInt(r.offset) + 1n);
    }
    const have = await committed(prefix, notifier);
    // At least the offset after the last record (a read-back queue commits the end, markers included).
    return Object.entries(want).every(([k, next]) => have[k] !== undefined && BigInt(have[k]) >= BigInt(next))
      ? true
      : undefined;
  });
}

describe('NotifierRunner (real Kafka, local receivers)', () => {
  it('parks every alert while the receiver is down and delivers each exactly once, in order, when it is back', async () => {
    const prefix = await pipelinePrefix('notify-outage');
    const clock = new ManualClock(T0);
    const receiver = await pagerDuty(clock);
    await receiver.http.down();
    const { logger, lines } = capturedLogger();
    const notifier = new PagerDutyNotifier({ routingKey: ROUTING_KEY, url: receiver.url, clock });
    const runner = await startRunner({
      prefix,
      notifier,
      clock,
      sleep: fakeSleep(clock),
      logger,
      delivery: POLICY,
    });

    const a = alert({ fingerprint: 'fp-a' });
    const b = alert({ fingerprint: 'fp-b', severity: 'warning' });
    const c = alert({ fingerprint: 'fp-c', severity: 'info' });
    await produceAlerts(prefix, [a, b, resolved(a), c, resolved(b), resolved(c)]);
    await waitFor('6 alerts parked', () => runner.stats().parked === 6);
    expect(runner.stats()).toMatchObject({ received: 6, delivered: 0, parked: 6, drained: 0, pending: 6 });
    // The first alert made 3 attempts (waits of 1 s and 2 s); the others were parked behind the outage.
    expect(runner.stats().attempts).toBe(3);

    const parked = await readRaw(prefix, 'alerts.retry');
    expect(parked).toHaveLength(6);
    const infos = parked.map((r) => readParkedHeaders(r.headers));
    expect(infos.every((i) => i.notifier === 'pagerduty' && i.errorCode === 'TW_NOTIFY_UNAVAILABLE')).toBe(
      true,
    );
    expect(infos.map((i) => i.attempts).sort()).toEqual([0, 0, 0, 0, 0, 3]);
    expect(infos.find((i) => i.attempts === 3)?.errorMessage).toBe(
      'PagerDuty did not answer: connection refused (ECONNREFUSED)',
    );
    // Parked alerts keep their key and partition, so one fingerprint's stay in order.
    for (const record of parked) {
      const parkedAlert = await decodeAlert(record.value);
      expect(record.key?.toString()).toBe(parkedAlert.fingerprint);
      expect(String(record.partition)).toBe(record.headers[PARKED_HEADERS.sourcePartition]?.toString());
    }

    // Back; nothing happens before the probe is due.
    await receiver.http.up();
    clock.advance(29_000);
    expect(receiver.events).toHaveLength(0);
    clock.advance(1_000);
    await waitFor('6 parked alerts drained', () => runner.stats().drained === 6);
    expect(receiver.events).toHaveLength(6);
    for (const fp of ['fp-a', 'fp-b', 'fp-c'])
      expect(of(receiver.events, fp)).toEqual(['trigger', 'resolve']);
    await allCommitted(prefix, 'pagerduty');
    expect(runner.stats().pending).toBe(0);

    // The receiver is up: new alerts go straight through.
    const d = alert({ fingerprint: 'fp-d' });
    await produceAlerts(prefix, [d, resolved(d)]);
    await waitFor('2 alerts delivered', () => runner.stats().delivered === 2);
    expect(actions(receiver.events).slice(6)).toEqual(['trigger:fp-d', 'resolve:fp-d']);
    await allCommitted(prefix, 'pagerduty');
    expect(receiver.events).toHaveLength(8);
    expect(runner.stats()).toMatchObject({ received: 8, delivered: 2, parked: 6, drained: 6, rejected: 0 });

    // Secrets never reach a log line.
    expect(lines.length).toBeGreaterThan(0);
    const port = new URL(receiver.url).port;
    for (const line of lines) {
      expect(line).not.toContain(ROUTING_KEY);
      expect(line).not.toContain(`127.0.0.1:${port}`);
    }
    expect(lines.some((l) => l.includes('"code":"TW_NOTIFY_UNAVAILABLE"'))).toBe(true);
  });

  it('reads parked alerts back after a restart and drains them once the receiver is back', async () => {
    const prefix = await pipelinePrefix('notify-restart-parked');
    const clock = new ManualClock(T0);
    const receiver = await pagerDuty(clock);
    await receiver.http.down();
    const { logger, lines } = capturedLogger();
    const first = await startRunner({
      prefix,
      logger,
      notifier: new PagerDutyNotifier({ routingKey: ROUTING_KEY, url: receiver.url, clock }),
      clock,
      sleep: fakeSleep(clock),
      delivery: POLICY,
    });
    const alerts = ['r1', 'r2', 'r3'].map((fp) => alert({ fingerprint: fp }));
    await produceAlerts(prefix, [...alerts, resolved(alerts[0]!)]);
    await waitFor('4 alerts parked', () => first.stats().parked === 4);
    await first.close();

    await receiver.http.up();
    const second = await startRunner({
      prefix,
      logger,
      notifier: new PagerDutyNotifier({ routingKey: ROUTING_KEY, url: receiver.url, clock }),
      clock,
      sleep: fakeSleep(clock),
      delivery: POLICY,
    });
    // No new alert arrives: the parked ones are read back at assignment and drained by the tick.
    await waitFor('4 parked alerts drained', () => second.stats().drained === 4);
    expect(second.stats()).toMatchObject({ received: 0, delivered: 0, drained: 4, pending: 0 });
    expect(of(receiver.events, 'r1')).toEqual(['trigger', 'resolve']);
    expect(actions(receiver.events).sort()).toEqual(['resolve:r1', 'trigger:r1', 'trigger:r2', 'trigger:r3']);
    await allCommitted(prefix, 'pagerduty');
    expect(receiver.events).toHaveLength(4);
    expect(lines.some((l) => l.includes('parked alerts found'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(ROUTING_KEY);
  });

  it('stopped mid-way, loses nothing and repeats nothing the receiver accepted', async () => {
    const prefix = await pipelinePrefix('notify-restart');
    const clock = new ManualClock(T0);
    const receiver = await pagerDuty(clock);
    const pd = new PagerDutyNotifier({ routingKey: ROUTING_KEY, url: receiver.url, clock });
    const gate = new Gate(pd, 5);
    const first = await startRunner({
      prefix,
      notifier: gate,
      clock,
      sleep: fakeSleep(clock),
      delivery: POLICY,
    });
    const alerts = Array.from({ length: 12 }, (_, i) => alert({ fingerprint: `m${i}` }));
    await produceAlerts(prefix, alerts);

    // The 6th send is in flight when the stop comes; it is accepted, committed, and nothing follows.
    await gate.blocked;
    const closing = first.close();
    gate.release();
    await closing;
    expect(receiver.events).toHaveLength(6);
    expect(first.stats().delivered).toBe(6);

    const second = await startRunner({
      prefix,
      notifier: pd,
      clock,
      sleep: fakeSleep(clock),
      delivery: POLICY,
    });
    await waitFor('the other 6 delivered', () => second.stats().delivered === 6);
    await allCommitted(prefix, 'pagerduty');
    const keys = receiver.events.map((e) => e.dedup_key);
    expect(keys).toHaveLength(12);
    expect(new Set(keys)).toEqual(new Set(alerts.map((a) => a.fingerprint)));
  });

  it('reports a permanent refusal on the fallback route, retries a 5xx in place, dead-letters what does not decode', async () => {
    const prefix = await pipelinePrefix('notify-permanent');
    const clock = new ManualClock(T0);
    const sleep = fakeSleep(clock);
    const slack = await SlackReceiver.start({ clock });
    onTestFinished(() => slack.close());
    const alertsUrl = slack.webhook('alerts');
    const opsUrl = slack.webhook('ops');
    const notifier = new SlackNotifier({ channels: { alerts: alertsUrl }, clock, sleep });
    const fallback = new SlackNotifier({ name: 'ops', channels: { ops: opsUrl }, clock, sleep });
    const { logger, lines } = capturedLogger();
    const runner = await startRunner({ prefix, notifier, fallback, clock, sleep, logger, delivery: POLICY });

    const path = new URL(alertsUrl).pathname;
    slack.http.script(path, [
      { status: 410, body: 'channel_is_archived' },
      { status: 503, body: 'Service Unavailable' },
      { status: 500, body: 'rollup_error' },
    ]);
    // One partition (one fingerprint), so the scripted answers meet the alerts in this order.
    const x = alert({ fingerprint: 'fp-x' });
    await produceAlerts(prefix, [x, resolved(x)]);
    const producer = await testKafka().producer();
    await producer.send([{ topic: `${prefix}alerts`, key: 'fp-x', value: Buffer.from('not avro') }]);
    await producer.close();
    await waitFor('every record handled', () => {
      const s = runner.stats();
      return s.rejected === 1 && s.delivered === 1 && s.deadLettered === 1;
    });
    // The firing alert: refused for good (410), reported to ops, never retried.
    const report = slack.accepted(opsUrl)[0]!.json as { text: string };
    expect(report.text.split('\n')).toEqual([
      'Undelivered by slack: [FIRING] critical prod portfolio_drawdown: momentum-main drawdown 12.4% exceeds 10%',
      "Could not deliver to slack (alerts) for good: Slack refused the message: HTTP 410 channel_is_archived: the channel of this webhook is archived (HTTP 410). Fix the notifier's configuration; this alert will not be retried there.",
    ]);
    // The resolved alert: 503, 500, then accepted on the 3rd attempt.
    expect(slack.accepted(alertsUrl).map((r) => (r.json as { text: string }).text.slice(0, 10))).toEqual([
      '[RESOLVED]',
    ]);
    expect(runner.stats()).toMatchObject({ attempts: 4, parked: 0, fallbackFailed: 0 });
    // t=0: the firing alert (410) and its report to ops. The resolved one waits for the webhook's next
    // token (t=1000), gets 503, backs off 1 s (t=2000), gets 500, backs off 2 s (t=4000), is accepted.
    expect(clock.now() - T0).toBe(4_000);
    // The garbage: dead-lettered with its origin, and the runner went on.
    const letters = await waitFor('the dead letter', async () => {
      const read = await readRaw(prefix, 'dlq');
      return read.length > 0 ? read : undefined;
    });
    expect(letters).toHaveLength(1);
    const letter = readDeadLetter(letters[0]!.key, letters[0]!.value, letters[0]!.headers);
    expect(letter.failedBy).toBe('notify.slack');
    expect(letter.error.code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
    await allCommitted(prefix, 'slack');
    expect((await readRaw(prefix, 'alerts.retry')).length).toBe(0);
    const token = new URL(alertsUrl).pathname.split('/').at(-1)!;
    for (const line of lines) expect(line).not.toContain(token);
    expect(lines.some((l) => l.includes('"code":"TW_NOTIFY_REJECTED"'))).toBe(true);
  });
});

/** Passes sends through, but holds the one after `open` sends until released. */
class Gate implements Notifier {
  readonly name: string;
  readonly kind = 'pagerduty' as const;
  readonly blocked: Promise<void>;
  readonly #inner: Notifier;
  readonly #open: number;
  readonly #held = Promise.withResolvers<void>();
  readonly #arrived = Promise.withResolvers<void>();
  #sends = 0;

  constructor(inner: Notifier, open: number) {
    this.name = inner.name;
    this.#inner = inner;
    this.#open = open;
    this.blocked = this.#arrived.promise;
  }

  release(): void {
    this.#held.resolve();
  }

  destinationOf(notification: Notification): string {
    return this.#inner.destinationOf(notification);
  }

  async send(notification: Notification): Promise<DeliveryResult> {
    this.#sends += 1;
    if (this.#sends > this.#open) {
      this.#arrived.resolve();
      await this.#held.promise;
    }
    return this.#inner.send(notification);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
