import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROUTING_FILE,
  DIGEST_MAX_ALERTS,
  checkReceivers,
  duePeriod,
  loadRouting,
  parseRouting,
  zonedInstant,
} from '../../../sinks/dispatch/index.ts';
import { retriable } from '../../../sinks/notifiers/index.ts';
import { HOUR, MINUTE, T0, alert, freshRig, resolved, rig, testDatabase, testSchema } from './helpers.ts';

const db = testDatabase();

const DAY = 24 * HOUR;

function routingWith(digest: string[]): ReturnType<typeof parseRouting> {
  return parseRouting(
    ['routes:', '  - match: { severity: info }', '    receivers: [digest]', ...digest].join('\n'),
    'digest.yaml',
  );
}

const problems = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e: unknown) {
    return (e as Error).message;
  }
  return 'no error';
};

/** An info alert firing (and decided) at `at`. */
const info = (fingerprint: string, at: number) =>
  alert({ fingerprint, severity: 'info', labels: { portfolio: fingerprint }, starts_at: at, ts: at });

describe('digest schedule and configuration', () => {
  it('the default routing: 08:00 UTC to slack', async () => {
    const routing = await loadRouting(DEFAULT_ROUTING_FILE);
    expect(routing.digest).toMatchObject({
      at: '08:00',
      hour: 8,
      minute: 0,
      timezone: 'UTC',
      targets: ['slack'],
    });
  });

  it('at and timezone default to 08:00 UTC; bad values, a missing section and unknown targets are located errors', () => {
    expect(routingWith(['digest:', '  targets: [email, slack]']).digest).toMatchObject({
      at: '08:00',
      timezone: 'UTC',
      targets: ['email', 'slack'],
    });
    const bad = problems(() =>
      routingWith(['digest:', "  at: '8am'", '  timezone: Europe/Londres', '  targets: [Slack, digest]']),
    );
    expect(bad).toContain('digest.yaml:5:7: digest.at: expected a local time of day HH:MM');
    expect(bad).toContain('digest.yaml:6:13: digest.timezone: expected an IANA time zone');
    expect(bad).toContain("digest.yaml:7:13: digest.targets.0: expected a notifier's name");
    expect(bad).toContain("digest.yaml:7:20: digest.targets.1: expected a notifier's name");
    expect(problems(() => routingWith([]))).toContain(
      'digest.yaml:3:17: routes.0.receivers.0: the "digest" receiver needs a top-level "digest:" section',
    );
    expect(problems(() => routingWith(['digest:', '  at: "09:00"']))).toMatch(
      /digest\.yaml:5:3: digest\.targets: .*found nothing \(missing\)/,
    );
    const routing = routingWith(['digest:', '  targets: [slack, teams]']);
    expect(() => checkReceivers(routing, ['slack', 'teams'])).not.toThrow();
    expect(problems(() => checkReceivers(routing, ['slack', 'email']))).toContain(
      'digest.yaml:5:20: digest.targets.1: "teams" is not a notifier of the notifiers file; accepted: slack, email',
    );
  });

  it('due periods in a time zone, across the spring-forward change', () => {
    const london = routingWith([
      'digest:',
      "  at: '08:00'",
      '  timezone: Europe/London',
      '  targets: [slack]',
    ]).digest;
    // 2026-03-28 (GMT, UTC+0): 08:00 local = 08:00Z. 2026-03-29 (clocks go forward at 01:00Z, BST = UTC+1): 07:00Z.
    expect(zonedInstant(2026, 3, 28, 8, 0, 'Europe/London')).toBe(Date.UTC(2026, 2, 28, 8));
    expect(zonedInstant(2026, 3, 29, 8, 0, 'Europe/London')).toBe(Date.UTC(2026, 2, 29, 7));
    // The skipped 01:30 comes out as 02:30 BST = 01:30Z.
    expect(zonedInstant(2026, 3, 29, 1, 30, 'Europe/London')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // The repeated 01:30 of 2026-10-25 (BST ends at 01:00Z) is its first occurrence: 01:30 BST = 00:30Z.
    expect(zonedInstant(2026, 10, 25, 1, 30, 'Europe/London')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(duePeriod(Date.UTC(2026, 2, 29, 6, 59, 59), london)).toEqual({
      period: '2026-03-28',
      dueAt: Date.UTC(2026, 2, 28, 8),
    });
    expect(duePeriod(Date.UTC(2026, 2, 29, 7), london)).toEqual({
      period: '2026-03-29',
      dueAt: Date.UTC(2026, 2, 29, 7),
    });
    // The day before the 1st of a month: 2026-03-01 07:00Z is before 08:00 UTC → the period of 2026-02-28.
    const utc = routingWith(['digest:', '  targets: [slack]']).digest;
    expect(duePeriod(Date.UTC(2026, 2, 1, 7), utc).period).toBe('2026-02-28');
  });
});

describe('the daily digest (real Postgres)', () => {
  it('nothing before the time, one digest after it with every info alert in time order, none twice after a restart, the next day only its own', async () => {
    const url = await testSchema(db.url());
    const first = await rig(url); // default routing: info → digest, 08:00 UTC → slack
    const slack = first.receivers.slack;
    const clock = first.clock;
    // T0 = 2026-01-05 08:00Z. a fires at 09:00, b at 10:00, a resolves at 11:00.
    const a = info('fp-a', T0 + HOUR);
    const b = info('fp-b', T0 + 2 * HOUR);
    for (const [at, x] of [
      [T0 + HOUR, a],
      [T0 + 2 * HOUR, b],
      [T0 + 3 * HOUR, resolved(a, T0 + 3 * HOUR)],
    ] as const) {
      clock.set(at);
      await first.dispatcher.handle(x);
      expect(await first.dispatcher.tick()).toEqual([]);
      await first.delivery.deliverDue();
    }
    expect(slack.sent).toEqual([]);
    clock.set(T0 + DAY - 1); // 2026-01-06 07:59:59.999Z
    expect(await first.dispatcher.tick()).toEqual([]);
    clock.set(T0 + DAY); // 2026-01-06 08:00Z
    expect((await first.dispatcher.tick()).map((d) => `${d.fingerprint}>${d.receiver}:${d.reason}`)).toEqual([
      'digest:2026-01-06>slack:digest of 3 alerts',
    ]);
    expect(await first.dispatcher.tick()).toEqual([]);
    await first.delivery.deliverDue();
    // Offsets from T0 in ms: 1h = 3_600_000, 2h = 7_200_000.
    expect(slack.lines()).toEqual(['firing fp-a@3600000', 'firing fp-b@7200000', 'resolved fp-a@3600000']);
    expect(slack.sent).toHaveLength(1);
    const stored = await first.store.notifications({ receiver: 'digest' });
    expect(stored.map((n) => `${n.state}/${n.digest}`)).toEqual([
      'stored/2026-01-06',
      'stored/2026-01-06',
      'stored/2026-01-06',
    ]);
    await first.store.close();

    // A restart: a new dispatcher on the same database sends nothing again.
    const second = await rig(url, { clock, receivers: first.receivers });
    clock.set(T0 + DAY + MINUTE);
    expect(await second.dispatcher.tick()).toEqual([]);
    expect((await second.delivery.deliverDue()).messages).toBe(0);
    // c on the next day (and d at exactly 08:00 on 2026-01-07: after that digest's time → the one after).
    clock.set(T0 + DAY + HOUR);
    await second.dispatcher.handle(info('fp-c', T0 + DAY + HOUR));
    clock.set(T0 + 2 * DAY);
    await second.dispatcher.handle(info('fp-d', T0 + 2 * DAY));
    expect((await second.dispatcher.tick()).map((d) => d.fingerprint)).toEqual(['digest:2026-01-07']);
    await second.delivery.deliverDue();
    expect(slack.sent.map((n) => n.alerts.map((x) => x.fingerprint))).toEqual([
      ['fp-a', 'fp-b', 'fp-a'],
      ['fp-c'],
    ]);
    const log = await second.store.notifications({ receiver: 'slack' });
    expect(log.map((n) => `${n.fingerprint}/${n.reason}/${n.state}/${n.alerts?.length}`)).toEqual([
      'digest:2026-01-06/digest/delivered/3',
      'digest:2026-01-07/digest/delivered/1',
    ]);
  });

  it('an empty day sends nothing; two instances ticking together decide one digest', async () => {
    const url = await testSchema(db.url());
    const one = await rig(url);
    const two = await rig(url, { clock: one.clock, receivers: one.receivers });
    one.clock.set(T0 + DAY); // 2026-01-06 08:00Z, nothing stored
    expect(await one.dispatcher.tick()).toEqual([]);
    expect(await one.store.notifications()).toEqual([]);
    one.clock.set(T0 + DAY + HOUR);
    await one.dispatcher.handle(info('fp-x', T0 + DAY + HOUR));
    one.clock.set(T0 + 2 * DAY);
    const both = await Promise.all([one.dispatcher.tick(), two.dispatcher.tick()]);
    expect(both.flat().map((d) => d.fingerprint)).toEqual(['digest:2026-01-07']);
    await Promise.all([one.delivery.deliverDue(), two.delivery.deliverDue()]);
    expect(one.receivers.slack.lines()).toEqual(['firing fp-x@90000000']); // 25h = 90_000_000 ms
  });

  it('at 08:00 Europe/London across the spring-forward change, to slack and email', async () => {
    const routing = parseRouting(
      [
        'routes:',
        '  - match: { severity: info }',
        '    receivers: [digest]',
        'digest:',
        "  at: '08:00'",
        '  timezone: Europe/London',
        '  targets: [slack, email]',
      ].join('\n'),
      'london.yaml',
    );
    const r = await freshRig(db.url(), { routing });
    const at = (d: number, h: number, m = 0) => Date.UTC(2026, 2, d, h, m);
    r.clock.set(at(27, 12));
    await r.dispatcher.handle(info('fp-27', at(27, 12)));
    r.clock.set(at(28, 7, 59)); // GMT: 08:00 local is 08:00Z
    expect(await r.dispatcher.tick()).toEqual([]);
    r.clock.set(at(28, 8));
    expect((await r.dispatcher.tick()).map((d) => `${d.fingerprint}>${d.receiver}`)).toEqual([
      'digest:2026-03-28>slack',
      'digest:2026-03-28>email',
    ]);
    r.clock.set(at(28, 12));
    await r.dispatcher.handle(info('fp-28', at(28, 12)));
    r.clock.set(at(29, 6, 59)); // BST from 01:00Z on the 29th: 08:00 local is 07:00Z
    expect(await r.dispatcher.tick()).toEqual([]);
    r.clock.set(at(29, 7));
    expect((await r.dispatcher.tick()).map((d) => `${d.fingerprint}>${d.receiver}`)).toEqual([
      'digest:2026-03-29>slack',
      'digest:2026-03-29>email',
    ]);
    await r.delivery.deliverDue();
    for (const name of ['slack', 'email'] as const) {
      expect(r.receivers[name].sent.map((n) => n.alerts.map((x) => x.fingerprint))).toEqual([
        ['fp-27'],
        ['fp-28'],
      ]);
    }
  });

  it('a digest whose delivery fails is retried by the outbox and sent once; a long digest is capped', async () => {
    const r = await freshRig(db.url());
    r.receivers.slack.answer = () => retriable('503');
    r.clock.set(T0 + HOUR);
    const count = DIGEST_MAX_ALERTS + 7; // 57 alerts: 50 listed, then "…and 7 more"
    for (let i = 0; i < count; i += 1) await r.dispatcher.handle(info(`fp-${i}`, T0 + HOUR + i));
    r.clock.set(T0 + DAY);
    expect(await r.dispatcher.tick()).toHaveLength(1);
    expect(await r.delivery.deliverDue()).toMatchObject({ delivered: 0, deferred: 1 });
    r.receivers.slack.answer = () => ({ outcome: 'accepted' });
    expect(await r.dispatcher.tick()).toEqual([]); // decided once
    expect((await r.delivery.deliverDue()).delivered).toBe(0); // not due before probe_interval (1 min)
    r.clock.advance(MINUTE);
    expect(await r.delivery.deliverDue()).toMatchObject({ delivered: 1, messages: 1 });
    expect(await r.delivery.deliverDue()).toMatchObject({ delivered: 0, messages: 0 });
    const [digest] = r.receivers.slack.sent;
    expect(r.receivers.slack.sent).toHaveLength(1);
    expect(digest?.alerts).toHaveLength(DIGEST_MAX_ALERTS + 1);
    expect(digest?.alerts[0]?.fingerprint).toBe('fp-0');
    expect(digest?.alerts[DIGEST_MAX_ALERTS - 1]?.fingerprint).toBe('fp-49');
    expect(digest?.alerts[DIGEST_MAX_ALERTS]?.summary).toContain(
      '…and 7 more info alerts in the 2026-01-06 digest',
    );
    const [row] = await r.store.notifications({ receiver: 'slack' });
    expect(row).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(row?.alerts).toHaveLength(count); // the log keeps them all
  });
});
