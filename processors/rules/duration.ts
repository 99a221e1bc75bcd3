/**
 * Durations in rule files and rule tests, as Prometheus writes them: whole numbers with units from the
 * largest to the smallest, `30s`, `5m`, `1h30m`, `2d`, `500ms`, and `0`. Milliseconds once compiled.
 */

const UNITS = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

/**
 * The accepted texts (also the JSON Schema's pattern): `0`, or one or more `<digits><unit>` with units
 * in the order w, d, h, m, s, ms, each at most once.
 */
export const DURATION_PATTERN = /^(?:0|(?=\d)(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/;

/** What a duration looks like, for error messages. */
export const DURATION_FORMS = 'a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms)';

const PART = /(\d+)(ms|w|d|h|m|s)/g;

/** Milliseconds of `text`, or undefined when it is not a duration (or too long to be exact). */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let ms = 0;
  for (const [, digits, unit] of text.matchAll(PART)) {
    ms += Number(digits) * (UNITS.find(([u]) => u === unit)?.[1] ?? Number.NaN);
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The text of `ms` with the largest units first: 5400000 → `1h30m`, 0 → `0s`, 1500 → `1s500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
