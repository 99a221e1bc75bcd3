/**
 * Durations in the freshness configuration: `500ms`, `30s`, `15m`, `2h`, `7d`, or a whole number of
 * milliseconds (`0`), the same format as the other processors' files. Compiled to milliseconds once, at
 * start-up.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };
const DURATION = /^(\d+)\s*(ms|s|m|h|d)$/;

/** What a duration looks like, for error messages. */
export const DURATION_FORMAT = 'a duration such as 0, 500ms, 30s, 15m, 2h or 7d';

/** Milliseconds of `value` (a duration text or a whole number of ms), or undefined if it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The shortest exact text of `ms` in the largest whole unit: 604800000 → `7d`, 5400000 → `90m`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', MINUTE_MS],
    ['s', SECOND_MS],
  ] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
