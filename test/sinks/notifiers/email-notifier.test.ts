import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmailNotifier, emailContent } from '../../../sinks/notifiers/index.ts';
import { freePort } from '../../../stack/alertmanager/index.ts';
import { startSesLocal, type SesLocal } from '../../../stack/receivers/ses-local.ts';
import { alert, resolved } from './helpers.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIATESTKEY0000001',
  secretAccessKey: 'sEcReT/AcCeSs+KeY0000000000000000000001',
};
let ses: SesLocal;
beforeAll(async () => {
  ses = await startSesLocal();
});
afterAll(async () => {
  await ses.close();
});
beforeEach(async () => {
  await ses.clear();
});

function notifier(endpoint = ses.url): EmailNotifier {
  return new EmailNotifier({
    from: 'tradewatch@example.com',
    to: ['oncall@example.com', 'risk@example.com'],
    region: 'eu-west-1',
    endpoint,
    credentials: CREDENTIALS,
  });
}

describe('EmailNotifier (SES v2 against aws-ses-v2-local)', () => {
  it('sends a subject, a text body and an HTML body built from the alert', async () => {
    const email = notifier();
    const firing = alert({ labels: { portfolio: 'momentum-main', note: '<b>bold</b>' } });
    expect(await email.send({ alerts: [firing] })).toEqual({ outcome: 'accepted' });
    expect(await email.send({ alerts: [resolved(firing)] })).toEqual({ outcome: 'accepted' });
    await email.close();

    const [first, second] = await ses.emails();
    expect(first!.from).toBe('tradewatch@example.com');
    expect(first!.destination.to).toEqual(['oncall@example.com', 'risk@example.com']);
    expect(first!.subject).toBe(
      '[tradewatch] [FIRING] critical prod portfolio_drawdown: momentum-main drawdown 12.4% exceeds 10%',
    );
    expect(first!.body.text).toBe(
      [
        '🔴 momentum-main drawdown 12.4% exceeds 10%',
        '  Status: FIRING',
        '  Severity: critical',
        '  Environment: prod',
        '  Rule: portfolio_drawdown',
        '  Starts: 2026-01-05T08:00:00Z',
        '  Value: 0.124',
        '  Threshold: 0.1',
        '  Labels: note=<b>bold</b>, portfolio=momentum-main',
        '  Fingerprint: fp-drawdown-p1',
        '',
        '-- tradewatch',
      ].join('\n'),
    );
    // The HTML body escapes what comes from the alert.
    expect(first!.body.html).toContain('<td>note=&lt;b&gt;bold&lt;/b&gt;, portfolio=momentum-main</td>');
    expect(first!.body.html).toContain('border-left: 6px solid #B00020');
    expect(second!.subject).toBe(
      '[tradewatch] [RESOLVED] critical prod portfolio_drawdown: momentum-main drawdown 12.4% exceeds 10%',
    );
    expect(second!.body.text).toContain('  Ends: 2026-01-05T08:01:00Z');
  });

  it('builds the same content for a notification of several alerts and for a fallback report', () => {
    const content = emailContent(
      {
        alerts: [alert(), resolved(alert({ fingerprint: 'b', severity: 'warning' }))],
        failure: {
          notifier: 'slack',
          destination: 'alerts',
          reason: 'Slack refused the message: HTTP 404 channel_not_found',
        },
      },
      '[tw]',
    );
    expect(content.subject).toBe('[tw] Undelivered by slack: [1 firing, 1 resolved] critical: 2 alerts');
    expect(content.text.split('\n')[0]).toBe(
      "⚠ Could not deliver to slack (alerts) for good: Slack refused the message: HTTP 404 channel_not_found. Fix the notifier's configuration; this alert will not be retried there.",
    );
  });

  it('classifies SES refusals as permanent and an unreachable endpoint as retriable, without credentials', async () => {
    // aws-ses-v2-local refuses a message without a sender with a 400 BadRequest, as SES does.
    const bad = new EmailNotifier({
      from: '',
      to: ['oncall@example.com'],
      endpoint: ses.url,
      credentials: CREDENTIALS,
    });
    const refused = await bad.send({ alerts: [alert()] });
    await bad.close();
    expect(refused.outcome).toBe('permanent');
    expect(refused).toMatchObject({
      reason: expect.stringMatching(/^SES refused the email: HTTP 400 /) as unknown,
    });

    const port = await freePort(); // nothing listens there
    const down = notifier(`http://127.0.0.1:${port}`);
    const result = await down.send({ alerts: [alert()] });
    await down.close();
    expect(result.outcome).toBe('retriable');
    const text = JSON.stringify(result);
    expect(text).not.toContain(CREDENTIALS.accessKeyId);
    expect(text).not.toContain(CREDENTIALS.secretAccessKey);
    expect(text).not.toContain(`127.0.0.1:${port}`);
  });
});
