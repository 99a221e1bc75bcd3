import { describe, expect, it } from 'vitest';
import { permanent, retriable } from '../../../sinks/notifiers/index.ts';
import { parseMatcher, parseRouting } from '../../../sinks/dispatch/index.ts';
import type { LabelMatcher } from '../../../core/label-matchers.ts';
import { HOUR, MINUTE, T0, alert, freshRig, resolved, rig, testDatabase } from './helpers.ts';

const db = testDatabase();

function matcher(text: string): LabelMatcher {
  const m = parseMatcher(text);
  if ('problem' in m) throw new Error(m.problem);
  return m;
}

describe('Dispatcher (real Postgres)', () => {
  it('notifies a firing alert once, ignores a replay, suppresses a repeat within the window, notifies the resolve', async () => {
    const r = await freshRig(db.url());
    const a = alert(); // warning, prod → slack
    expect((await r.dispatcher.handle(a)).map((d) => `${d.receiver}:${d.action}`)).toEqual(['slack:notify']);
    expect((await r.dispatcher.handle(a)).map((d) => d.action)).toEqual(['already-notified']);
    // Another episode of the same fingerprint 5 minutes later, still firing: inside repeat_suppress (10m).
    r.clock.advance(5 * MINUTE);
    const again = alert({ starts_at: T0 + 5 * MINUTE, ts: T0 + 5 * MINUTE });
    expect((await r.dispatcher.handle(again)).map((d) => d.action)).toEqual(['repeat-suppressed']);
    r.clock.advance(MINUTE);
    expect((await r.dispatcher.handle(resolved(again, T0 + 6 * MINUTE))).map((d) => d.action)).toEqual([
      'notify',
    ]);
    // A replayed firing of a resolved episode changes nothing.
    expect((await r.dispatcher.handle(again)).map((d) => d.action)).toEqual(['already-notified']);
    await r.delivery.deliverDue();
    expect(r.receivers.slack.lines()).toEqual(['firing fp-drawdown-p1@0', 'resolved fp-drawdown-p1@300000']);
    // After a resolve, a new firing is a new incident: notified even inside the window.
    r.clock.advance(MINUTE);
    const third = alert({ starts_at: T0 + 7 * MINUTE, ts: T0 + 7 * MINUTE });
    expect((await r.dispatcher.handle(third)).map((d) => d.action)).toEqual(['notify']);
  });

  it('re-notifies a long-running alert every repeat_interval until it is acknowledged; the resolve still goes', async () => {
    const r = await freshRig(db.url());
    const a = alert();
    await r.dispatcher.handle(a);
    r.clock.set(T0 + 4 * HOUR - 1);
    expect(await r.dispatcher.tick()).toEqual([]);
    r.clock.set(T0 + 4 * HOUR); // repeat_interval 4h
    expect((await r.dispatcher.tick()).map((d) => `${d.action}:${d.reason}`)).toEqual(['notify:repeat']);
    expect(await r.dispatcher.tick()).toEqual([]); // idempotent
    r.clock.set(T0 + 5 * HOUR);
    const acked = await r.store.acknowledge(a.fingerprint, 'ana', 'looking', r.clock.now());
    expect(acked.ack).toEqual({ by: 'ana', at: T0 + 5 * HOUR, comment: 'looking' });
    r.clock.set(T0 + 12 * HOUR);
    expect(await r.dispatcher.tick()).toEqual([]);
    await r.dispatcher.handle(resolved(a, T0 + 12 * HOUR));
    await r.delivery.deliverDue();
    const log = await r.store.notifications({ fingerprint: a.fingerprint });
    expect(log.map((n) => `${n.status}/${n.slot}/${n.reason}/${n.state}`)).toEqual([
      'firing/0/first/delivered',
      'firing/1/repeat/delivered',
      'resolved/0/resolved/delivered',
    ]);
    // The ack was for that episode: a new episode repeats again.
    r.clock.set(T0 + 13 * HOUR);
    const next = alert({ starts_at: T0 + 13 * HOUR, ts: T0 + 13 * HOUR });
    await r.dispatcher.handle(next);
    expect((await r.store.getAlert(a.fingerprint))?.ack).toBeNull();
  });

  it('routes critical prod to pagerduty, slack and email and delivers each through its notifier', async () => {
    const r = await freshRig(db.url());
    await r.dispatcher.handle(alert({ severity: 'critical' }));
    const round = await r.delivery.deliverDue();
    expect(round).toEqual({ delivered: 3, messages: 3, rejected: 0, stored: 0, deferred: 0 });
    for (const name of ['pagerduty', 'slack', 'email'] as const) {
      expect(r.receivers[name].lines()).toEqual(['firing fp-drawdown-p1@0']);
    }
  });

  it('a silence suppresses (recorded), and when it ends while the alert fires, the alert is notified', async () => {
    const r = await freshRig(db.url());
    const silence = await r.store.addSilence(
      {
        matchers: [matcher('rule=portfolio_drawdown_1h'), matcher('portfolio=~momentum-.*')],
        startsAt: T0,
        endsAt: T0 + HOUR,
        author: 'ana',
        comment: 'maintenance',
      },
      T0,
    );
    const a = alert();
    expect((await r.dispatcher.handle(a)).map((d) => d.action)).toEqual(['silenced']);
    const state = await r.store.getAlert(a.fingerprint);
    expect(state?.suppressed).toEqual([{ receiver: 'slack', reason: `silenced by ${silence.id}` }]);
    r.clock.set(T0 + HOUR - 1);
    expect(await r.dispatcher.tick()).toEqual([]);
    r.clock.set(T0 + HOUR);
    expect((await r.dispatcher.tick()).map((d) => `${d.action}:${d.reason}`)).toEqual([
      'notify:unsuppressed',
    ]);
    await r.delivery.deliverDue();
    expect(r.receivers.slack.lines()).toEqual(['firing fp-drawdown-p1@0']);
    // Unsilence: a silence ended early is notified on the next tick too.
    const other = alert({ fingerprint: 'fp-2', labels: { portfolio: 'carry' } });
    const s2 = await r.store.addSilence(
      {
        matchers: [matcher('portfolio=[carry,value]')],
        startsAt: T0,
        endsAt: T0 + 10 * HOUR,
        author: 'bo',
        comment: '',
      },
      r.clock.now(),
    );
    expect((await r.dispatcher.handle(other)).map((d) => d.action)).toEqual(['silenced']);
    r.clock.advance(MINUTE);
    await r.store.removeSilence(s2.id, r.clock.now());
    await expect(r.store.removeSilence(s2.id, r.clock.now())).rejects.toMatchObject({
      code: 'TW_SILENCE_UNKNOWN',
    });
    expect((await r.dispatcher.tick()).map((d) => d.fingerprint)).toEqual(['fp-2']);
  });

  it('inhibition: a firing market-data staleness mutes that venue’s strategy deviations until it resolves', async () => {
    const r = await freshRig(db.url());
    const stale = alert({
      fingerprint: 'fp-stale',
      rule: 'source_stale',
      severity: 'error',
      labels: { topic: 'market-data', source: 'binance', venue: 'binance' },
    });
    const deviation = alert({
      fingerprint: 'fp-dev',
      rule: 'strategy_metric_deviation',
      labels: { strategy: 'momentum', metric: 'pnl', venue: 'binance' },
    });
    const otherVenue = alert({
      fingerprint: 'fp-dev-2',
      rule: 'strategy_metric_deviation',
      labels: { strategy: 'carry', metric: 'pnl', venue: 'kraken' },
    });
    await r.dispatcher.handle(stale);
    expect((await r.dispatcher.handle(deviation)).map((d) => d.action)).toEqual(['inhibited']);
    expect((await r.dispatcher.handle(otherVenue)).map((d) => d.action)).toEqual(['notify']);
    r.clock.advance(MINUTE);
    expect(await r.dispatcher.tick()).toEqual([]);
    await r.dispatcher.handle(resolved(stale, T0 + MINUTE));
    expect((await r.dispatcher.tick()).map((d) => `${d.fingerprint}:${d.action}`)).toEqual(['fp-dev:notify']);
  });

  it('a restart keeps suppression windows, silences and acks, and notifies nothing twice', async () => {
    const url = await (await import('./helpers.ts')).testSchema(db.url());
    const first = await rig(url);
    const a = alert({ fingerprint: 'fp-a' });
    const b = alert({ fingerprint: 'fp-b', labels: { portfolio: 'b' } });
    const c = alert({ fingerprint: 'fp-c', labels: { portfolio: 'c' } });
    await first.dispatcher.handle(a);
    await first.dispatcher.handle(b);
    await first.store.acknowledge('fp-b', 'ana', '', T0);
    await first.store.addSilence(
      { matchers: [matcher('portfolio=c')], startsAt: T0, endsAt: T0 + 2 * HOUR, author: 'bo', comment: '' },
      T0,
    );
    await first.dispatcher.handle(c);
    await first.delivery.deliverDue();
    await first.store.close();

    // A new process on the same database, replaying every record (its offsets were lost).
    const second = await rig(url, { clock: first.clock, receivers: first.receivers });
    first.clock.advance(2 * MINUTE);
    for (const x of [a, b, c]) await second.dispatcher.handle(x);
    const a2 = alert({ fingerprint: 'fp-a', starts_at: T0 + 2 * MINUTE, ts: T0 + 2 * MINUTE });
    expect((await second.dispatcher.handle(a2)).map((d) => d.action)).toEqual(['repeat-suppressed']);
    await second.delivery.deliverDue();
    expect(first.receivers.slack.lines()).toEqual(['firing fp-a@0', 'firing fp-b@0']);
    // At 4h: a repeats (its last notification at 0), b is acknowledged, c's silence ended at 2h → notified at its tick.
    first.clock.set(T0 + 4 * HOUR);
    expect((await second.dispatcher.tick()).map((d) => `${d.fingerprint}:${d.reason}`)).toEqual([
      'fp-a:repeat',
      'fp-c:unsuppressed',
    ]);
  });

  it('delivery: a receiver that is down keeps its notifications in order; a permanent refusal goes to the fallback', async () => {
    const r = await freshRig(db.url());
    const a = alert();
    r.receivers.slack.answer = () => retriable('503');
    await r.dispatcher.handle(a);
    r.clock.advance(MINUTE);
    await r.dispatcher.handle(resolved(a, T0 + MINUTE));
    expect(await r.delivery.deliverDue()).toEqual({
      delivered: 0,
      messages: 0,
      rejected: 0,
      stored: 0,
      deferred: 1,
    });
    r.receivers.slack.answer = () => ({ outcome: 'accepted' });
    expect((await r.delivery.deliverDue()).delivered).toBe(0); // not due before probe_interval
    r.clock.advance(MINUTE);
    expect((await r.delivery.deliverDue()).delivered).toBe(2);
    expect(r.receivers.slack.lines()).toEqual(['firing fp-drawdown-p1@0', 'resolved fp-drawdown-p1@0']);

    r.receivers.email.answer = () => permanent('MessageRejected');
    await r.dispatcher.handle(alert({ fingerprint: 'fp-e', severity: 'error' }));
    expect(await r.delivery.deliverDue()).toEqual({
      delivered: 1,
      messages: 1,
      rejected: 1,
      stored: 0,
      deferred: 0,
    });
    expect(r.receivers.fallback.sent[0]?.failure).toEqual({
      notifier: 'email',
      destination: 'email',
      reason: 'MessageRejected',
    });
    // info → the digest receiver: stored, not sent.
    await r.dispatcher.handle(alert({ fingerprint: 'fp-i', severity: 'info' }));
    expect((await r.delivery.deliverDue()).stored).toBe(1);
  });

  it('grouping: alerts of one group decided within group_wait go out as one notification', async () => {
    const routing = parseRouting(
      ['routes:', '  - receivers: [slack]', '    group_by: [rule, env]', '    group_wait: 30s'].join('\n'),
      'grouping.yaml',
    );
    const r = await freshRig(db.url(), { routing });
    const SECOND = 1_000;
    const at = (ms: number) => ({ starts_at: T0 + ms, ts: T0 + ms });
    await r.dispatcher.handle(alert({ fingerprint: 'a1', rule: 'r1', ...at(0) })); // opens group r1, due at 30s
    r.clock.set(T0 + 10 * SECOND);
    await r.dispatcher.handle(alert({ fingerprint: 'a2', rule: 'r1', ...at(10 * SECOND) })); // joins it
    await r.dispatcher.handle(alert({ fingerprint: 'b', rule: 'r2', ...at(10 * SECOND) })); // group r2, due at 40s
    r.clock.set(T0 + 29 * SECOND);
    expect((await r.delivery.deliverDue()).delivered).toBe(0);
    r.clock.set(T0 + 30 * SECOND);
    expect(await r.delivery.deliverDue()).toMatchObject({ delivered: 2, messages: 1 });
    expect(r.receivers.slack.sent.map((n) => n.alerts.map((a) => a.fingerprint))).toEqual([['a1', 'a2']]);
    r.clock.set(T0 + 40 * SECOND);
    await r.dispatcher.handle(alert({ fingerprint: 'a3', rule: 'r1', ...at(40 * SECOND) })); // a new r1 group, due at 70s
    expect(await r.delivery.deliverDue()).toMatchObject({ delivered: 1, messages: 1 });
    r.clock.set(T0 + 70 * SECOND);
    await r.delivery.deliverDue();
    expect(r.receivers.slack.sent.map((n) => n.alerts.map((a) => a.fingerprint))).toEqual([
      ['a1', 'a2'],
      ['b'],
      ['a3'],
    ]);
  });

  it('an acknowledged alert is not announced when its silence ends; a suppressed repeat episode still gets reminders', async () => {
    const r = await freshRig(db.url());
    const a = alert({ fingerprint: 'fp-ack' });
    await r.store.addSilence(
      {
        matchers: [matcher('portfolio=momentum-main')],
        startsAt: T0,
        endsAt: T0 + HOUR,
        author: 'a',
        comment: '',
      },
      T0,
    );
    expect((await r.dispatcher.handle(a)).map((d) => d.action)).toEqual(['silenced']);
    await r.store.acknowledge('fp-ack', 'ana', '', T0);
    r.clock.set(T0 + 2 * HOUR);
    expect(await r.dispatcher.tick()).toEqual([]);
    expect((await r.store.getAlert('fp-ack'))?.suppressed).toEqual([]);

    const b = alert({ fingerprint: 'fp-rep', labels: { portfolio: 'other' } });
    await r.dispatcher.handle(b); // notified at 2h
    r.clock.advance(MINUTE);
    const b2 = alert({
      fingerprint: 'fp-rep',
      labels: { portfolio: 'other' },
      starts_at: T0 + 2 * HOUR,
      ts: T0 + 2 * HOUR,
    });
    expect((await r.dispatcher.handle(b2)).map((d) => d.action)).toEqual(['repeat-suppressed']);
    r.clock.set(T0 + 6 * HOUR); // 4h after the notification at 2h
    expect((await r.dispatcher.tick()).map((d) => `${d.fingerprint}:${d.reason}`)).toEqual(['fp-rep:repeat']);
  });
});
