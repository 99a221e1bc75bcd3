/**
 * The email of a notification: a subject line, a plain-text body and an HTML body carrying the same
 * facts (status, severity, environment, rule, summary, value and threshold, start and end, labels,
 * fingerprint). Everything from an alert is HTML-escaped in the HTML body.
 */
import type { Alert } from '../../schemas/index.ts';
import {
  SEVERITY_SYMBOL,
  failureLine,
  formatLabels,
  formatTime,
  formatValue,
  notificationTitle,
  statusWord,
  styleOf,
  truncate,
} from './format.ts';
import type { Notification } from './types.ts';

const SUBJECT_MAX = 200;

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const symbolOf = (alert: Alert): string =>
  SEVERITY_SYMBOL[alert.status === 'resolved' ? 'resolved' : alert.severity];

/** The facts of one alert, in display order. */
function facts(alert: Alert): [string, string][] {
  const rows: [string, string][] = [
    ['Status', statusWord(alert)],
    ['Severity', alert.severity],
    ['Environment', alert.env],
    ['Rule', alert.rule],
    ['Starts', formatTime(alert.starts_at)],
  ];
  if (alert.ends_at !== null) rows.push(['Ends', formatTime(alert.ends_at)]);
  if (alert.value !== null) rows.push(['Value', formatValue(alert.value, alert.unit)]);
  if (alert.threshold !== null) rows.push(['Threshold', formatValue(alert.threshold, alert.unit)]);
  rows.push(['Labels', formatLabels(alert.labels)], ['Fingerprint', alert.fingerprint]);
  return rows;
}

export function emailContent(notification: Notification, subjectPrefix: string): EmailContent {
  const title = notificationTitle(notification);
  const subject = truncate(`${subjectPrefix === '' ? '' : `${subjectPrefix} `}${title}`, SUBJECT_MAX);
  const failure = failureLine(notification);

  const textParts: string[] = [];
  if (failure !== undefined) textParts.push(`⚠ ${failure}`, '');
  for (const alert of notification.alerts) {
    textParts.push(`${symbolOf(alert)} ${alert.summary}`);
    if (alert.description) textParts.push(`  ${alert.description}`);
    for (const [name, value] of facts(alert)) textParts.push(`  ${name}: ${value}`);
    textParts.push('');
  }
  textParts.push('-- tradewatch');

  const htmlParts: string[] = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<h2 style="margin: 0 0 12px">${escapeHtml(title)}</h2>`,
  ];
  if (failure !== undefined) htmlParts.push(`<p><strong>⚠ ${escapeHtml(failure)}</strong></p>`);
  for (const alert of notification.alerts) {
    htmlParts.push(
      `<div style="border-left: 6px solid ${styleOf(alert).color}; padding: 4px 12px; margin: 12px 0">`,
      `<p style="margin: 4px 0"><strong>${symbolOf(alert)} ${escapeHtml(alert.summary)}</strong></p>`,
      ...(alert.description ? [`<p style="margin: 4px 0">${escapeHtml(alert.description)}</p>`] : []),
      '<table style="border-collapse: collapse">',
      ...facts(alert).map(
        ([name, value]) =>
          `<tr><th style="text-align: left; padding-right: 12px">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`,
      ),
      '</table></div>',
    );
  }
  htmlParts.push('<p style="color: #888">tradewatch</p></body></html>');
  return { subject, text: textParts.join('\n'), html: htmlParts.join('\n') };
}
