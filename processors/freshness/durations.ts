/**
 * Durations in the freshness configuration: `500ms`, `30s`, `15m`, `2h`, `7d`, or a whole number of
 * milliseconds (`0`), the same format as the other processors' files. Compiled to milliseconds once, at
 * start-up. The parser is runtime/durations.ts's.
 */
import { durationsWith } from '../../runtime/durations.ts';

export { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../runtime/durations.ts';

/** What a duration looks like, for error messages. */
export const DURATION_FORMAT = 'a duration such as 0, 500ms, 30s, 15m, 2h or 7d';

const UNITS = ['d', 'h', 'm', 's', 'ms'] as const;

/**
 * `parseDuration`: milliseconds of a duration text or a whole number of ms, or undefined if it is not
 * one; `formatDuration`: the shortest exact text in the largest whole unit, 604800000 → `7d`, 5400000 → `90m`.
 */
export const { parseDuration, parseDurationOrNever, formatDuration } = durationsWith(
  { units: UNITS, numbers: true, spaced: true },
  { style: 'largest', units: UNITS },
);
