/**
 * The one duration grammar of tradewatch, for every configuration file, request and flag.
 *
 * Accepted (spaces around the text ignored):
 * - `0`;
 * - one or more parts `<number><unit>`, units `w`, `d`, `h`, `m`, `s`, `ms`, from the largest to the
 *   smallest, each at most once, as Prometheus writes them: `500ms`, `30s`, `15m`, `1h30m`, `7d`, `2w`;
 *   a part's number may have a fraction (`1.5h`) and a space before its unit (`30 s`), as long as the
 *   whole is a whole number of milliseconds;
 * - where a field allows it ({@link DurationOptions.unitless}), a number without unit as milliseconds
 *   (a YAML number `250` or the text `250`);
 * - for the `never`-able fields, `never` (or a YAML null): no duration.
 * Milliseconds once parsed. The zod field type for configuration files is core/config-file's `duration`.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** The units, largest first. */
export const DURATION_UNITS = ['w', 'd', 'h', 'm', 's', 'ms'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const UNIT_MS: Readonly<Record<DurationUnit, number>> = {
  w: WEEK_MS,
  d: DAY_MS,
  h: HOUR_MS,
  m: MINUTE_MS,
  s: SECOND_MS,
  ms: 1,
};

/** The accepted forms, as one sentence for error messages (`expected <DURATION_FORMS>, found ...`). */
export const DURATION_FORMS = 'a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms)';

/** What a field accepts beyond the grammar. */
export interface DurationOptions {
  /** A number without unit is milliseconds (a YAML number `250`, the text `250`). Default false: only 0. */
  readonly unitless?: boolean;
}

const NUMBER = '\\d+(?:\\.\\d+)?';
// `m(?!s)`: `500ms` is not 500m and a stray s.
const PARTS = DURATION_UNITS.map((u) => `(?:${NUMBER} *${u === 'm' ? 'm(?!s)' : u})?`).join('');

/** The texts of the grammar (without spaces around; unitless numbers too when `options.unitless`). */
export function durationPattern(options: DurationOptions = {}): RegExp {
  return new RegExp(`^(?:${options.unitless === true ? '\\d+' : '0'}|(?=\\d)${PARTS})$`);
}

const PATTERN = durationPattern();
const UNITLESS_PATTERN = durationPattern({ unitless: true });
const PART = /(\d+(?:\.\d+)?) *(ms|w|d|h|m|s)?/g;

/** Milliseconds of `value`, or undefined when it is not a duration (or not whole milliseconds). */
export function parseDuration(value: unknown, options: DurationOptions = {}): number | undefined {
  if (typeof value === 'number') {
    return (value === 0 || options.unitless === true) && Number.isSafeInteger(value) && value >= 0
      ? value
      : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!(options.unitless === true ? UNITLESS_PATTERN : PATTERN).test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    ms += Number(amount) * UNIT_MS[(unit as DurationUnit | undefined) ?? 'ms'];
  }
  // A fraction is exact when the sum is whole (1.1 × 1000 is 1100.0000000000002 in floating point).
  const whole = Math.round(ms);
  return Math.abs(ms - whole) < 1e-6 && Number.isSafeInteger(whole) ? whole : undefined;
}

/** {@link parseDuration}, and `never` (or a YAML null) for no duration: null. */
export function parseDurationOrNever(
  value: unknown,
  options: DurationOptions = {},
): number | null | undefined {
  return value === 'never' || value === null ? null : parseDuration(value, options);
}

/**
 * The text of `ms` (≥ 0), which {@link parseDuration} reads back:
 * - `compound` (the default): every unit from the largest, 5400000 → `1h30m`, 1500 → `1s500ms`,
 *   604801000 → `1w1s`, 0 → `0s`;
 * - `largest`: one number in the largest unit up to days that divides it, 5400000 → `90m`,
 *   604800000 → `7d`, 1500 → `1500ms`, 0 → `0ms` (names built from durations, e.g. `p_at_k_7d`).
 */
export function formatDuration(ms: number, style: 'compound' | 'largest' = 'compound'): string {
  if (style === 'largest') {
    for (const unit of ['d', 'h', 'm', 's'] as const) {
      if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
    }
    return `${ms}ms`;
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of DURATION_UNITS) {
    if (rest >= UNIT_MS[unit]) {
      text += `${Math.floor(rest / UNIT_MS[unit])}${unit}`;
      rest %= UNIT_MS[unit];
    }
  }
  return text;
}
