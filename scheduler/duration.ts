/** Durations as people write them in flags and files: `500ms`, `30s`, `15m`, `2h`, `7d`, or plain ms. */

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** What a duration may look like, for error messages. */
export const DURATION_FORMS = 'a whole number with a unit: ms, s, m, h, d or w (e.g. 30s, 15m, 2h, 7d)';

/**
 * Parses a duration into ms: `"15m"` → 900000, `"1h30m"` → 5400000; a number is taken as ms. Returns
 * undefined when the text is not a duration (the caller reports it with {@link DURATION_FORMS}).
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    total += Number(amount) * (UNITS[unit ?? 'ms'] ?? 1);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest exact form of a duration: 5400000 → `1h30m`, 1500 → `1s500ms`, 0 → `0ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  let rest = ms;
  let text = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNITS[unit] ?? 1;
    const n = Math.floor(rest / size);
    if (n > 0) {
      text += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return text;
}
