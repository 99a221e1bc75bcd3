/** Durations as written in configuration files: a number and a unit, `500ms`, `90s`, `30m`, `12h`, `7d`, `2w`. */

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** What a duration looks like, for error messages. */
export const DURATION_EXAMPLES = '500ms, 90s, 30m, 12h, 7d or 2w';

/** The duration in milliseconds, or undefined when `text` is not a duration (or not whole milliseconds). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Milliseconds in the largest unit that divides them: 604800000 → `1w`, 5400000 → `90m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
