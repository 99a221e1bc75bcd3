/**
 * The units an alert's value and threshold can have (the rule's `unit`, the Alert record's `unit`), and
 * how each reads in notifications, on the terminal and in reports. One formatter, so that Slack, email,
 * PagerDuty, Alertmanager and the CLI agree with the summary's `pct` (0.0624377 → `6.24%`).
 */

/** Every unit, in the order the docs list them. */
export const UNITS = ['ratio', 'percent', 'bps', 'ms', 's', 'count'] as const;
export type Unit = (typeof UNITS)[number];

/** What each unit means, for the docs and the rules file's JSON Schema. */
export const UNIT_DOCS: Readonly<Record<Unit, string>> = {
  ratio: 'a fraction, shown as a percentage with 2 decimals (0.0624 → 6.24%)',
  percent: 'already a percentage, shown with 2 decimals (6.24 → 6.24%)',
  bps: 'basis points (12.5 → 12.5 bps)',
  ms: 'a duration in milliseconds, shown in the largest units (90000 → 1m 30s)',
  s: 'a duration in seconds, shown in the largest units (5400 → 1h 30m)',
  count: 'a whole number of things, with thousands separated (12345 → 12,345)',
};

export function isUnit(value: unknown): value is Unit {
  return typeof value === 'string' && (UNITS as readonly string[]).includes(value);
}

/** Six significant digits, no exponent for everyday magnitudes: how a value without a unit reads. */
export function formatPlain(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/**
 * `value` as people read it in `unit` (an unknown or absent unit: the plain number). `—` for null;
 * NaN and infinities as they are.
 */
export function formatInUnit(value: number | null, unit: string | null | undefined): string {
  if (value === null) return '—';
  if (!Number.isFinite(value)) return String(value);
  switch (isUnit(unit) ? unit : null) {
    case 'ratio':
      return `${(value * 100).toFixed(2)}%`;
    case 'percent':
      return `${value.toFixed(2)}%`;
    case 'bps':
      return `${formatPlain(value)} bps`;
    case 'ms':
      return formatDuration(value);
    case 's':
      return formatDuration(value * 1000);
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case null:
      return formatPlain(value);
  }
}

/** A duration in ms as its two largest units (`1h 30m`, `45s`, `250ms`, `-2m`). */
function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${formatPlain(rest)}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0 || parts.length > 0) {
      if (whole > 0) parts.push(`${whole}${unit}`);
      rest -= whole * size;
      if (parts.length === 2) break;
    }
  }
  return `${sign}${parts.slice(0, 2).join(' ')}`;
}
