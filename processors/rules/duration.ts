/**
 * Durations in rule files and rule tests, as Prometheus writes them: whole numbers with units from the
 * largest to the smallest, `30s`, `5m`, `1h30m`, `2d`, `500ms`, and `0`. Milliseconds once compiled.
 * The parser is runtime/durations.ts's.
 */
import { durationPattern, durationsWith, type DurationSyntax } from '../../runtime/durations.ts';

const SYNTAX: DurationSyntax = { compound: 'ordered', bare: 'zero', trim: false };

/**
 * The accepted texts (also the JSON Schema's pattern): `0`, or one or more `<digits><unit>` with units
 * in the order w, d, h, m, s, ms, each at most once.
 */
export const DURATION_PATTERN = durationPattern(SYNTAX);

/** What a duration looks like, for error messages. */
export const DURATION_FORMS = 'a duration such as 30s, 5m, 1h30m, 2d or 0 (units: w, d, h, m, s, ms)';

/**
 * `parseDuration`: milliseconds of a text, or undefined when it is not a duration (or too long to be
 * exact); `formatDuration`: the largest units first, 5400000 → `1h30m`, 0 → `0s`, 1500 → `1s500ms`.
 */
export const { parseDuration, formatDuration } = durationsWith(SYNTAX, { style: 'compound', zero: '0s' });
