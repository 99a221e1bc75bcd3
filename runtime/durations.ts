/**
 * Durations as people write them in configuration files, flags and requests: a whole number and a
 * unit, `500ms`, `30s`, `5m`, `2h`, `7d`, `2w`, several of them (`1h30m`), a bare number, `never`...
 * One parser for every module; what a module accepts beyond the common `<digits><unit>` is a
 * {@link DurationSyntax} of its own (each module's file keeps its syntax and its wording for errors).
 * Milliseconds once parsed.
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

/** What a module accepts besides one `<digits><unit>` (units from w to ms). */
export interface DurationSyntax {
  /** The units accepted (default: all, w to ms). */
  readonly units?: readonly DurationUnit[];
  /**
   * Several parts, summed (`1h30m`): `ordered` (largest unit first, each at most once, as Prometheus
   * writes them) or `any`. Default: one part.
   */
  readonly compound?: 'ordered' | 'any';
  /** A fraction in the number (`1.5h`), when the duration is whole milliseconds. */
  readonly fractions?: boolean;
  /** A text without unit: `ms` (any whole number of milliseconds) or `zero` (only `0`). Default: none. */
  readonly bare?: 'ms' | 'zero';
  /** A (YAML) number as milliseconds: a whole number ≥ 0. */
  readonly numbers?: boolean;
  /** Spaces around the text ignored (default true). */
  readonly trim?: boolean;
  /** Spaces allowed between a number and its unit (`30 s`). */
  readonly spaced?: boolean;
  /** `never` (and a YAML null) accepted, as null: no duration. */
  readonly never?: boolean;
}

/** The regular expression of the texts `syntax` accepts (bare numbers included). */
export function durationPattern(syntax: DurationSyntax = {}): RegExp {
  const units = DURATION_UNITS.filter((u) => (syntax.units ?? DURATION_UNITS).includes(u));
  const number = syntax.fractions === true ? '\\d+(?:\\.\\d+)?' : '\\d+';
  const space = syntax.spaced === true ? '\\s*' : '';
  // `ms` before `m`, so that `500ms` is not read as 500m and a stray s.
  const anyUnit = `(?:${[...units].sort((a, b) => b.length - a.length).join('|')})`;
  const parts =
    syntax.compound === 'ordered'
      ? `(?=\\d)${units.map((u) => `(?:${number}${space}${u})?`).join('')}`
      : syntax.compound === 'any'
        ? `(?:${number}${space}${anyUnit})+`
        : `${number}${space}${anyUnit}`;
  const bare = syntax.bare === 'ms' ? '\\d+|' : syntax.bare === 'zero' ? '0|' : '';
  return new RegExp(`^(?:${bare}${parts})$`);
}

const PART = /(\d+(?:\.\d+)?)\s*(ms|w|d|h|m|s)?/g;
const PATTERNS = new Map<string, RegExp>();

/**
 * Milliseconds of `value` as `syntax` accepts it, or undefined when it is not such a duration (or not
 * exactly a whole number of milliseconds); null for `never` when `syntax.never`.
 */
export function parseDuration(
  value: unknown,
  syntax: DurationSyntax & { readonly never: true },
): number | null | undefined;
export function parseDuration(value: unknown, syntax?: DurationSyntax): number | undefined;
export function parseDuration(value: unknown, syntax: DurationSyntax = {}): number | null | undefined {
  if (syntax.never === true && (value === 'never' || value === null)) return null;
  if (typeof value === 'number') {
    return syntax.numbers === true && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = syntax.trim === false ? value : value.trim();
  const key = JSON.stringify(syntax);
  let pattern = PATTERNS.get(key);
  if (pattern === undefined) {
    pattern = durationPattern(syntax);
    PATTERNS.set(key, pattern);
  }
  if (!pattern.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    ms += Number(amount) * UNIT_MS[(unit as DurationUnit | undefined) ?? 'ms'];
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** How a module writes durations back. */
export interface DurationFormat {
  /**
   * `compound`: every unit from the largest (5400000 → `1h30m`, 1500 → `1s500ms`); `largest`: the
   * largest unit that divides it (5400000 → `90m`, 1500 → `1500ms`).
   */
  readonly style: 'compound' | 'largest';
  /** The units used (default: all, w to ms; ms is always used for what is left). */
  readonly units?: readonly DurationUnit[];
  /** The text of 0 (default `0ms`). */
  readonly zero?: string;
}

/** The text of `ms` (≥ 0) in `format`. */
export function formatDuration(ms: number, format: DurationFormat): string {
  if (ms === 0) return format.zero ?? '0ms';
  const units = DURATION_UNITS.filter((u) => (format.units ?? DURATION_UNITS).includes(u));
  if (format.style === 'largest') {
    for (const unit of units) {
      if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
    }
    return `${ms}ms`;
  }
  let rest = ms;
  let text = '';
  for (const unit of units) {
    if (rest >= UNIT_MS[unit]) {
      text += `${Math.floor(rest / UNIT_MS[unit])}${unit}`;
      rest %= UNIT_MS[unit];
    }
  }
  return text;
}

/** A module's durations: its syntax and its format, bound. */
export interface Durations {
  /** Milliseconds of `value`, or undefined when it is not a duration of the module's syntax. */
  readonly parseDuration: (value: unknown) => number | undefined;
  /** Like parseDuration, and `never` (or a YAML null) for none: null. */
  readonly parseDurationOrNever: (value: unknown) => number | null | undefined;
  /** The text of `ms` (≥ 0) in the module's format. */
  readonly formatDuration: (ms: number) => string;
}

export function durationsWith(syntax: DurationSyntax, format: DurationFormat): Durations {
  return {
    parseDuration: (value) => parseDuration(value, syntax),
    parseDurationOrNever: (value) => parseDuration(value, { ...syntax, never: true }),
    formatDuration: (ms) => formatDuration(ms, format),
  };
}
