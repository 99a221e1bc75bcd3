/**
 * The Slack message of a notification: Block Kit blocks, a plain `text` fallback (what notifications
 * and screen readers show), and one attachment carrying the severity colour bar and each alert's
 * details. Slack's limits are kept: 50 blocks, 150 characters in a header, 3000 in a section's text,
 * 10 fields of 2000 characters each.
 */
import type { Alert } from '../../schemas/index.ts';
import {
  failureLine,
  formatLabels,
  formatTime,
  formatValue,
  notificationTitle,
  statusWord,
  styleOf,
  truncate,
  worstSeverity,
  RESOLVED_STYLE,
  SEVERITY_STYLE,
} from './format.ts';
import type { Notification } from './types.ts';

/** Alerts shown in one message; the rest are counted. */
export const SLACK_MAX_ALERTS = 10;
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const TEXT_MAX = 3000;

export interface SlackTextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackTextObject }
  | { readonly type: 'section'; readonly text: SlackTextObject; readonly fields?: readonly SlackTextObject[] }
  | { readonly type: 'context'; readonly elements: readonly SlackTextObject[] }
  | { readonly type: 'divider' };

/** The JSON body POSTed to an incoming webhook. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly attachments: readonly {
    readonly color: string;
    readonly fallback: string;
    readonly blocks: readonly SlackBlock[];
  }[];
}

/** Slack's mrkdwn needs &, < and > escaped (they start entities and links). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn = (text: string, max = SECTION_MAX): SlackTextObject => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});

export function slackMessage(notification: Notification): SlackMessage {
  const { alerts } = notification;
  const shown = alerts.slice(0, SLACK_MAX_ALERTS);
  const allResolved = alerts.every((a) => a.status === 'resolved');
  const worst = worstSeverity(alerts);
  const style = allResolved ? RESOLVED_STYLE : SEVERITY_STYLE[worst];
  const envs = [...new Set(alerts.map((a) => a.env))].join(', ');
  const headerText =
    alerts.length === 1
      ? `${style.emoji} ${statusWord(alerts[0] as Alert)} · ${worst} · ${envs} · ${(alerts[0] as Alert).rule}`
      : `${style.emoji} ${alerts.length} alerts · ${worst} · ${envs}`;

  const top: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headerText, HEADER_MAX), emoji: true } },
  ];
  const failure = failureLine(notification);
  if (failure !== undefined)
    top.push({ type: 'section', text: mrkdwn(`:warning: ${escapeMrkdwn(failure)}`) });

  const details: SlackBlock[] = [];
  shown.forEach((alert, i) => {
    if (i > 0) details.push({ type: 'divider' });
    details.push(...alertBlocks(alert));
  });
  if (alerts.length > shown.length) {
    details.push({
      type: 'context',
      elements: [mrkdwn(`…and ${alerts.length - shown.length} more alerts`)],
    });
  }

  const lines = [notificationTitle(notification), ...(failure === undefined ? [] : [failure])];
  if (alerts.length > 1) for (const a of shown) lines.push(`• ${statusWord(a)} ${a.rule}: ${a.summary}`);
  const text = truncate(lines.join('\n'), TEXT_MAX);
  return { text, blocks: top, attachments: [{ color: style.color, fallback: text, blocks: details }] };
}

function alertBlocks(alert: Alert): SlackBlock[] {
  const { emoji } = styleOf(alert);
  const field = (name: string, value: string): SlackTextObject =>
    mrkdwn(`*${name}*\n${escapeMrkdwn(value)}`, FIELD_MAX);
  const fields: SlackTextObject[] = [
    field('Status', statusWord(alert)),
    field('Severity', alert.severity),
    field('Environment', alert.env),
    field('Starts', formatTime(alert.starts_at)),
  ];
  if (alert.ends_at !== null) fields.push(field('Ends', formatTime(alert.ends_at)));
  if (alert.value !== null) fields.push(field('Value', formatValue(alert.value, alert.unit)));
  if (alert.threshold !== null) fields.push(field('Threshold', formatValue(alert.threshold, alert.unit)));
  return [
    {
      type: 'section',
      text: mrkdwn(
        `${emoji} *${escapeMrkdwn(alert.rule)}*\n${escapeMrkdwn(alert.summary)}` +
          (alert.description ? `\n_${escapeMrkdwn(alert.description)}_` : ''),
      ),
      fields,
    },
    {
      type: 'context',
      elements: [
        mrkdwn(`labels: ${escapeMrkdwn(formatLabels(alert.labels))}`),
        mrkdwn(`fingerprint: \`${escapeMrkdwn(alert.fingerprint)}\``),
      ],
    },
  ];
}
