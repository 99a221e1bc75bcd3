/**
 * Durations as written in configuration files: a number (a fraction allowed) and a unit, `500ms`, `90s`,
 * `30m`, `12h`, `7d`, `2w`. The parser is runtime/durations.ts's.
 */
import { durationsWith } from '../../runtime/durations.ts';

/** What a duration looks like, for error messages. */
export const DURATION_EXAMPLES = '500ms, 90s, 30m, 12h, 7d or 2w';

/**
 * `parseDuration`: milliseconds of a text, or undefined when it is not a duration (or not whole
 * milliseconds); `formatDuration`: in the largest unit that divides them, 604800000 → `1w`, 5400000 → `90m`.
 */
export const { parseDuration, formatDuration } = durationsWith({ fractions: true }, { style: 'largest' });
