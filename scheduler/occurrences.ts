/**
 * When a schedule fires, computed from a given time (never from the system clock), so that the same
 * code serves the live scheduler and tests on a virtual clock. Cron expressions are evaluated by
 * cron-parser (the parser node-schedule itself uses) in the job's IANA time zone.
 *
 * Daylight saving time, for cron in a zone that has it (computed, and tested in
 * test/scheduler/occurrences.test.ts):
 * - a local time that does not exist on the day clocks go forward (e.g. 01:30 in Europe/London on the
 *   last Sunday of March) fires once, one hour later by the wall clock (02:30 local);
 * - a local time that happens twice on the day clocks go back fires once, at the first of the two;
 * - sub-hourly expressions (`*\/30 * * * *`) keep firing at their real-time pace through both changes.
 */
import cronParser from 'cron-parser';
import { closest } from '../core/problems.ts';
import type { Schedule } from './types.ts';

/** The cron macros accepted besides 5- and 6-field expressions. */
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'] as const;

/** What a cron expression may look like, for error messages. */
export const CRON_FORMS =
  '5 fields "minute hour day-of-month month day-of-week" (e.g. "30 16 * * 1-5"), 6 fields with seconds first ' +
  '(e.g. "0 */15 * * * *"), or one of ' +
  MACROS.join(', ') +
  '; fields take numbers, *, ranges (1-5), lists (1,15), steps (*/10) and names (MON, JAN)';

/** Every problem with a cron expression and zone (empty when both are valid). */
export function cronProblems(expression: string, timezone: string): string[] {
  const problems: string[] = [];
  const zone = timezoneProblem(timezone);
  if (zone !== undefined) problems.push(zone);
  const text = expression.trim();
  const fields = text.split(/\s+/).filter((f) => f !== '');
  if (text.startsWith('@')) {
    if (!(MACROS as readonly string[]).includes(text)) {
      problems.push(`cron "${expression}" is not a known macro; accepted: ${CRON_FORMS}`);
    }
  } else if (fields.length !== 5 && fields.length !== 6) {
    problems.push(
      `cron "${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; accepted: ${CRON_FORMS}`,
    );
  } else {
    try {
      cronParser.parseExpression(text, {
        currentDate: new Date(0),
        tz: zone === undefined ? timezone : 'UTC',
      });
    } catch (e: unknown) {
      problems.push(
        `cron "${expression}" is not valid: ${e instanceof Error ? e.message : String(e)}; accepted: ${CRON_FORMS}`,
      );
    }
  }
  return problems;
}

/** Why `timezone` is not an IANA zone this runtime knows, or undefined when it is one. */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    const guess = closest(timezone, [...Intl.supportedValuesOf('timeZone'), 'UTC']);
    return (
      `time zone "${timezone}" is not an IANA time zone` +
      `${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; accepted: names such as UTC, Europe/London, America/New_York`
    );
  }
}

/** The first occurrence strictly after `after`, or undefined when there is none (a past one-off). */
export function nextOccurrence(schedule: Schedule, after: number): number | undefined {
  switch (schedule.kind) {
    case 'once':
      return schedule.at > after ? schedule.at : undefined;
    case 'interval': {
      const n = Math.floor((after - schedule.anchor) / schedule.everyMs) + 1;
      return schedule.anchor + n * schedule.everyMs;
    }
    case 'cron': {
      const iterator = cronParser.parseExpression(schedule.expression, {
        currentDate: new Date(after),
        tz: schedule.timezone,
      });
      try {
        return iterator.next().getTime();
      } catch {
        // An expression that matches no date (it gives up searching).
        return undefined;
      }
    }
  }
}

/** Occurrences after `after` up to `until`, as found by {@link occurrencesBetween}. */
export interface OccurrenceScan {
  /** The latest occurrences in (after, until], ascending, at most `keep` of them. */
  readonly latest: readonly number[];
  /** Occurrences in (after, until] older than `latest` (not listed). */
  readonly dropped: number;
  /** False when the scan stopped after `maxScan` occurrences, before `until`. */
  readonly complete: boolean;
}

/**
 * The occurrences in `(after, until]`, keeping the latest `keep` (ascending) and counting the older
 * ones, so that a long downtime costs time but not memory. The scan stops after `maxScan`
 * occurrences (`complete: false`).
 */
export function occurrencesBetween(
  schedule: Schedule,
  after: number,
  until: number,
  keep: number,
  maxScan = Infinity,
): OccurrenceScan {
  const latest: number[] = [];
  let dropped = 0;
  let complete = true;
  const push = (t: number) => {
    latest.push(t);
    if (latest.length > keep) {
      latest.shift();
      dropped += 1;
    }
  };
  switch (schedule.kind) {
    case 'once':
      if (schedule.at > after && schedule.at <= until) push(schedule.at);
      break;
    case 'interval': {
      const first = nextOccurrence(schedule, after) ?? Infinity;
      if (first > until) break;
      let count = Math.floor((until - first) / schedule.everyMs) + 1;
      if (count > maxScan) {
        count = maxScan;
        complete = false;
      }
      dropped = Math.max(0, count - keep);
      for (let i = dropped; i < count; i += 1) latest.push(first + i * schedule.everyMs);
      break;
    }
    case 'cron': {
      // No endDate / hasNext(): with them cron-parser 4.9 repeats an occurrence around a DST change
      // (test/scheduler/occurrences.test.ts); plain next() does not.
      const iterator = cronParser.parseExpression(schedule.expression, {
        currentDate: new Date(after),
        tz: schedule.timezone,
      });
      for (;;) {
        if (latest.length + dropped >= maxScan) {
          complete = false;
          break;
        }
        let t: number;
        try {
          t = iterator.next().getTime();
        } catch {
          break; // an expression that matches no date
        }
        if (t > until) break;
        push(t);
      }
      break;
    }
  }
  return { latest, dropped, complete };
}

/** A schedule for people: `cron "0 2 * * *" (Europe/London)`, `every 15m`, `once at 2025-…Z`. */
export function describeSchedule(schedule: Schedule, formatMs: (ms: number) => string): string {
  switch (schedule.kind) {
    case 'cron':
      return `cron "${schedule.expression}" (${schedule.timezone})`;
    case 'interval':
      return `every ${formatMs(schedule.everyMs)}${schedule.anchor === 0 ? '' : ` from ${new Date(schedule.anchor).toISOString()}`}`;
    case 'once':
      return `once at ${new Date(schedule.at).toISOString()}`;
  }
}
