/**
 * How an alert reads in every notifier: severity marks and colours, times, values, labels, and the
 * one-line text that Slack's fallback, the email subject and PagerDuty's summary start from.
 */
import type { Alert, Severity } from '../../schemas/index.ts';
import type { Notification } from './types.ts';
import { formatInUnit } from '../../core/units.ts';

/** The mark and colour of each severity; a resolved alert is green whatever its severity. */
export const SEVERITY_STYLE: Readonly<Record<Severity, { readonly emoji: string; readonly color: string }>> =
  {
    critical: { emoji: ':red_circle:', color: '#B00020' },
    error: { emoji: ':large_orange_circle:', color: '#E8590C' },
    warning: { emoji: ':large_yellow_circle:', color: '#F2C744' },
    info: { emoji: ':large_blue_circle:', color: '#1F78D1' },
  };
export const RESOLVED_STYLE = { emoji: ':white_check_mark:', color: '#2EB67D' } as const;

/** The same marks as Unicode, for email. */
export const SEVERITY_SYMBOL: Readonly<Record<Severity | 'resolved', string>> = {
  critical: '🔴',
  error: '🟠',
  warning: '🟡',
  info: '🔵',
  resolved: '✅',
};

export function styleOf(alert: Alert): { readonly emoji: string; readonly color: string } {
  return alert.status === 'resolved' ? RESOLVED_STYLE : SEVERITY_STYLE[alert.severity];
}

/** The most urgent severity among the alerts (the notification's colour and subject). */
export function worstSeverity(alerts: readonly Alert[]): Severity {
  const order: readonly Severity[] = ['critical', 'error', 'warning', 'info'];
  for (const severity of order) if (alerts.some((a) => a.severity === severity)) return severity;
  return 'info';
}

/** Epoch ms as ISO 8601 UTC, without milliseconds when they are zero: `2026-01-05T08:00:00Z`. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * A value as people read it, in the alert's unit (core/units.ts: a `ratio` of 0.0624377 reads `6.24%`,
 * as the summary's `pct` does); without a unit, six significant digits, no exponent for everyday
 * magnitudes.
 */
export function formatValue(value: number | null, unit: string | null = null): string {
  return formatInUnit(value, unit);
}

/** Labels sorted by name: `portfolio=p1, strategy=momentum`, or `none`. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? 'none' : keys.map((k) => `${k}=${labels[k]}`).join(', ');
}

/** `FIRING` or `RESOLVED`. */
export function statusWord(alert: Alert): string {
  return alert.status === 'firing' ? 'FIRING' : 'RESOLVED';
}

/** `[FIRING] critical prod portfolio_drawdown: momentum-main drawdown 12.4% exceeds 10%`. */
export function alertLine(alert: Alert): string {
  return `[${statusWord(alert)}] ${alert.severity} ${alert.env} ${alert.rule}: ${alert.summary}`;
}

/** The value and threshold part, when the alert has them: `value 0.124, threshold 0.1`. */
export function valueLine(alert: Alert): string | undefined {
  if (alert.value === null && alert.threshold === null) return undefined;
  return `value ${formatValue(alert.value)}, threshold ${formatValue(alert.threshold)}`;
}

/** `since 2026-01-05T08:00:00Z` or `2026-01-05T08:00:00Z → 2026-01-05T09:30:00Z`. */
export function timeLine(alert: Alert): string {
  return alert.ends_at === null
    ? `since ${formatTime(alert.starts_at)}`
    : `${formatTime(alert.starts_at)} → ${formatTime(alert.ends_at)}`;
}

/** One line for a whole notification (a subject, a fallback text). */
export function notificationTitle(notification: Notification): string {
  const { alerts, failure } = notification;
  const prefix = failure ? `Undelivered by ${failure.notifier}: ` : '';
  if (alerts.length === 1) return prefix + alertLine(alerts[0] as Alert);
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const resolved = alerts.length - firing;
  const parts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter(
    Boolean,
  );
  return `${prefix}[${parts.join(', ')}] ${worstSeverity(alerts)}: ${alerts.length} alerts`;
}

/** The failure being reported, in one line (fallback notifications). */
export function failureLine(notification: Notification): string | undefined {
  const f = notification.failure;
  return f === undefined
    ? undefined
    : `Could not deliver to ${f.notifier} (${f.destination}) for good: ${f.reason}. Fix the notifier's configuration; this alert will not be retried there.`;
}

/** Cuts `text` to at most `max` characters (an ellipsis marks the cut). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
