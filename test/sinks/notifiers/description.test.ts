/** A rule's description reaches every notifier's message, under the summary; none when it has none. */
import { describe, expect, it } from 'vitest';
import {
  alertmanagerAlert,
  emailContent,
  pagerDutyEvent,
  slackMessage,
} from '../../../sinks/notifiers/index.ts';
import { alert } from './helpers.ts';

const DESCRIPTION =
  'A portfolio lost more than 10% of its peak equity since the start of the day: check its fills.';

describe('the alert description in notifications', () => {
  it('is shown by Slack, email, PagerDuty and Alertmanager', () => {
    const a = alert({ description: DESCRIPTION });
    expect(JSON.stringify(slackMessage({ alerts: [a] }))).toContain(DESCRIPTION);
    const email = emailContent({ alerts: [a] }, '[tradewatch]');
    expect(email.text).toContain(DESCRIPTION);
    expect(email.html).toContain(DESCRIPTION);
    expect(pagerDutyEvent(a, 'key', 'tradewatch')).toMatchObject({
      payload: { custom_details: { description: DESCRIPTION } },
    });
    expect(alertmanagerAlert(a, a.ts, 3_600_000).annotations['description']).toBe(DESCRIPTION);
  });

  it('is left out when the rule has none', () => {
    const a = alert({ description: null });
    // The description would be an italic line under the summary.
    expect(JSON.stringify(slackMessage({ alerts: [a] }))).not.toContain(`${a.summary}\\n_`);
    expect(JSON.stringify(pagerDutyEvent(a, 'key', 'tradewatch'))).not.toContain('"description"');
    expect(alertmanagerAlert(a, a.ts, 3_600_000).annotations).not.toHaveProperty('description');
  });
});
