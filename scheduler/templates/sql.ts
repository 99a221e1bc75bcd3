/** Small helpers for the templates' QuestDB SQL: literals and the values /exec returns. */
import { z } from 'zod';
import { parseDuration } from '../../core/durations.ts';

/** A SQL string literal. */
export function text(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A timestamp literal QuestDB compares with a TIMESTAMP column (microseconds, UTC). */
export function at(epochMs: number): string {
  return `'${new Date(epochMs).toISOString().replace('Z', '000Z')}'`;
}

/** `AND column IN ('a','b')`, or nothing when `values` is undefined. */
export function inList(column: string, values: readonly string[] | undefined): string {
  return values === undefined ? '' : ` AND ${column} IN (${values.map(text).join(', ')})`;
}

/** Epoch ms of a TIMESTAMP value from /exec (ISO text with microseconds), or null. */
export function epochMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** A number from /exec (doubles and longs come as JSON numbers; null stays null). */
export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

// The templates' wording of durations since before the one grammar (their messages keep it).
const DURATION_FORMS = 'a whole number with a unit: ms, s, m, h, d or w (e.g. 30s, 15m, 2h, 7d)';

/** A parameter holding a duration (`15m`, `2h`..., core/durations.ts's; a number is ms), parsed to ms. */
export function durationParam(description: string, fallback: string) {
  return z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value, { unitless: true });
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration, ${DURATION_FORMS}` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(description);
}

/** Names of portfolios, strategies...: a non-empty list of non-empty texts. */
export function nameList(description: string) {
  return z.array(z.string().min(1)).min(1).optional().describe(description);
}

/** An IANA time zone name parameter. */
export function timezoneParam(description: string) {
  return z
    .string()
    .default('UTC')
    .refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected an IANA time zone such as UTC, Europe/London or America/New_York' },
    )
    .describe(description);
}
