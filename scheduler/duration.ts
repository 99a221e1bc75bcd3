/**
 * Durations as people write them in flags and files: `500ms`, `30s`, `15m`, `2h`, `7d`, `1h30m`, or
 * plain ms. The parser is runtime/durations.ts's.
 */
import { durationsWith } from '../runtime/durations.ts';

/** What a duration may look like, for error messages. */
export const DURATION_FORMS = 'a whole number with a unit: ms, s, m, h, d or w (e.g. 30s, 15m, 2h, 7d)';

/**
 * `parseDuration`: ms of a text, `"15m"` → 900000, `"1h30m"` → 5400000; a number is taken as ms;
 * undefined when it is not a duration (the caller reports it with {@link DURATION_FORMS}).
 * `formatDuration`: the shortest exact form, 5400000 → `1h30m`, 1500 → `1s500ms`, 0 → `0ms`.
 */
export const { parseDuration, formatDuration } = durationsWith(
  { compound: 'any', bare: 'ms', numbers: true },
  { style: 'compound' },
);
