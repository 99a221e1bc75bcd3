import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { AlertmanagerNotifier, alertmanagerAlert } from '../../../sinks/notifiers/index.ts';
import { freePort } from '../../../stack/alertmanager/index.ts';
import { startLocalAlertmanager, type LocalAlertmanager } from '../../../stack/receivers/alertmanager.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { alert, resolved } from './helpers.ts';

// Alertmanager compares endsAt with its own (real) clock: the alerts here are about "now".
const NOW = Date.now();
let am: LocalAlertmanager;
beforeAll(async () => {
  am = await startLocalAlertmanager();
});
afterAll(async () => {
  await am?.stop();
});

describe('AlertmanagerNotifier (a real Alertmanager)', () => {
  it('builds postable alerts: alertname, fingerprint, severity, env and the labels; summary; starts and ends', () => {
    const firing = alert({
      starts_at: NOW,
      ts: NOW,
      labels: { portfolio: 'p1', 'desk.name': 'x', env: 'ignored' },
    });
    expect(alertmanagerAlert(firing, NOW + 5, 3_600_000, 'http://grafana.local/d/1')).toEqual({
      labels: {
        portfolio: 'p1',
        desk_name: 'x',
        env: 'prod',
        alertname: 'portfolio_drawdown',
        fingerprint: 'fp-drawdown-p1',
        severity: 'critical',
      },
      annotations: { summary: 'momentum-main drawdown 12.4% exceeds 10%', value: '0.124', threshold: '0.1' },
      startsAt: new Date(NOW).toISOString(),
      // Firing: now + the TTL.
      endsAt: new Date(NOW + 5 + 3_600_000).toISOString(),
      generatorURL: 'http://grafana.local/d/1',
    });
    const end = alertmanagerAlert(resolved(firing, 90_000), NOW, 3_600_000);
    expect(end.endsAt).toBe(new Date(NOW + 90_000).toISOString());
  });

  it('makes an alert appear, then ends it on resolve', async () => {
    const clock = new ManualClock(NOW);
    const notifier = new AlertmanagerNotifier({
      url: am.url,
      clock,
      generatorUrl: 'http://grafana.local/d/1',
    });
    const firing = alert({ fingerprint: 'am-1', starts_at: NOW - 60_000, ts: NOW - 60_000 });
    const other = alert({
      fingerprint: 'am-2',
      rule: 'stale_weights',
      severity: 'warning',
      starts_at: NOW - 60_000,
      ts: NOW - 60_000,
    });
    expect(await notifier.send({ alerts: [firing, other] })).toEqual({ outcome: 'accepted' });

    const shown = await waitFor('both alerts active in Alertmanager', async () => {
      const alerts = await am.alerts();
      return alerts.length === 2 ? alerts : undefined;
    });
    const one = shown.find((a) => a.labels['fingerprint'] === 'am-1');
    expect(one?.labels).toEqual({
      alertname: 'portfolio_drawdown',
      fingerprint: 'am-1',
      severity: 'critical',
      env: 'prod',
      portfolio: 'momentum-main',
    });
    expect(one?.annotations['summary']).toBe('momentum-main drawdown 12.4% exceeds 10%');
    expect(one?.status.state).toBe('active');
    expect(one?.generatorURL).toBe('http://grafana.local/d/1');
    expect(Date.parse(one!.startsAt)).toBe(NOW - 60_000);

    // Resolved now (ends_at = starts + 60 s = NOW): Alertmanager ends it and lists it no more.
    expect(await notifier.send({ alerts: [resolved(firing, 60_000)] })).toEqual({ outcome: 'accepted' });
    const left = await waitFor('am-1 ended', async () => {
      const alerts = await am.alerts();
      return alerts.some((a) => a.labels['fingerprint'] === 'am-1') ? undefined : alerts;
    });
    expect(left.map((a) => a.labels['fingerprint'])).toEqual(['am-2']);
    await notifier.close();
  });

  it('gets a retriable result while Alertmanager is unreachable, a permanent one for what it refuses', async () => {
    const port = await freePort(); // nothing listens there
    const down = new AlertmanagerNotifier({ url: `http://user:hunter2pass@127.0.0.1:${port}/am` });
    const result = await down.send({ alerts: [alert()] });
    expect(result).toEqual({
      outcome: 'retriable',
      reason: 'Alertmanager did not answer: connection refused (ECONNREFUSED)',
    });

    // A path Alertmanager does not serve: 404 is permanent (a wrong base URL will not fix itself).
    const wrong = new AlertmanagerNotifier({ url: `${am.url}/not-here` });
    const refused = await wrong.send({ alerts: [alert()] });
    expect(refused.outcome).toBe('permanent');
    expect(JSON.stringify(refused)).not.toContain(am.url);
  });
});
