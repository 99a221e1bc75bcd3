/**
 * Values read in their unit everywhere: the rule's `unit` reaches the Alert, and Slack, email,
 * PagerDuty and Alertmanager show `6.24%` beside a summary that says 6.24%, never `0.0624377`.
 */
import { describe, expect, it } from 'vitest';
import { formatInUnit } from '../../../core/units.ts';
import {
  alertmanagerAlert,
  emailContent,
  pagerDutyEvent,
  slackMessage,
} from '../../../sinks/notifiers/index.ts';
import { harness, oneRule, series } from '../../processors/rules/harness.ts';
import { alert } from './helpers.ts';

describe('values by unit', () => {
  it('formats each unit as people read it', () => {
    expect(formatInUnit(0.0624377, 'ratio')).toBe('6.24%');
    expect(formatInUnit(6.24377, 'percent')).toBe('6.24%');
    expect(formatInUnit(12.5, 'bps')).toBe('12.5 bps');
    expect(formatInUnit(90_000, 'ms')).toBe('1m 30s');
    expect(formatInUnit(250, 'ms')).toBe('250ms');
    expect(formatInUnit(5_400, 's')).toBe('1h 30m');
    expect(formatInUnit(90_061_000, 'ms')).toBe('1d 1h');
    expect(formatInUnit(12_345, 'count')).toBe('12,345');
    expect(formatInUnit(0.0624377, null)).toBe('0.0624377');
    expect(formatInUnit(null, 'ratio')).toBe('—');
  });

  it('takes the rule’s unit into the alert, and every notifier shows the value in it', () => {
    const h = harness(oneRule('unit: ratio'));
    h.pushAll(series([0.01, 0.0624377, 0.01]));
    const [firing] = h.alerts();
    expect(firing).toMatchObject({ unit: 'ratio', value: 0.0624377 });
    expect(firing!.summary).toContain('6.24%');

    const slack = slackMessage({ alerts: [firing!] });
    const fields = (slack.attachments[0]!.blocks[0] as unknown as { fields: { text: string }[] }).fields.map(
      (f) => f.text,
    );
    expect(fields).toContain('*Value*\n6.24%');
    expect(fields).toContain('*Threshold*\n5.00%');
    const email = emailContent({ alerts: [firing!] }, '[tradewatch]');
    expect(email.text).toContain('6.24%');
    expect(email.text).not.toContain('0.0624377');
    expect(pagerDutyEvent(firing!, 'key', 'tradewatch')).toMatchObject({
      payload: {
        custom_details: { value: 0.0624377, unit: 'ratio', value_text: '6.24%', threshold_text: '5.00%' },
      },
    });
    expect(alertmanagerAlert(firing!, firing!.ts, 3_600_000).annotations).toMatchObject({
      value: '6.24%',
      threshold: '5.00%',
    });
  });

  it('shows the plain number for an alert without a unit (records written before units)', () => {
    const a = alert({ unit: null, value: 0.124 });
    expect(JSON.stringify(slackMessage({ alerts: [a] }))).toContain('*Value*\\n0.124');
  });

  it('rejects an unknown unit in the rules file, naming the accepted ones', () => {
    expect(() => harness(oneRule('unit: percentage'))).toThrow(/unit.*ratio, percent, bps, ms, s, count/s);
  });
});
