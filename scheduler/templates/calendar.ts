/**
 * A trading calendar for templates that judge trading sessions: the weekdays a strategy trades, its
 * holidays (listed, or in a file of one `YYYY-MM-DD` a line, `#` comments), in the window's time zone.
 * A session on a day the calendar closes is not judged: a weekday strategy raises nothing on a Sunday.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TradewatchError } from '../../core/errors.ts';
import type { LocalDateTime } from '../../core/zoned-time.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isDate = (text: string): boolean => {
  const m = DATE.exec(text);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
};

/** The `calendar` parameter: every day open unless it says otherwise. */
export const calendarParam = z
  .strictObject({
    weekdays: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .default([...WEEKDAYS])
      .describe(
        'The days sessions are held, e.g. [mon, tue, wed, thu, fri] (default: every day, as crypto trades)',
      ),
    holidays: z
      .array(z.string().refine(isDate, { message: 'expected a date YYYY-MM-DD' }))
      .default([])
      .describe('Dates without a session, YYYY-MM-DD local to the time zone'),
    holidays_file: z
      .string()
      .min(1)
      .optional()
      .describe('A file of dates without a session, one YYYY-MM-DD a line (# starts a comment)'),
  })
  .default({ weekdays: [...WEEKDAYS], holidays: [] })
  .describe('The trading calendar: a session on a closed day is not judged');
export type CalendarParam = z.infer<typeof calendarParam>;

/** Why the calendar closes `date` (a local date), or undefined when it is a trading day. */
export async function closedBecause(
  calendar: CalendarParam,
  date: Pick<LocalDateTime, 'year' | 'month' | 'day'>,
): Promise<string | undefined> {
  const text = `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  const weekday = WEEKDAYS[(new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7]!;
  if (!calendar.weekdays.includes(weekday)) return `${text} is a ${weekday}, not a trading weekday`;
  if (calendar.holidays.includes(text)) return `${text} is a holiday`;
  if (calendar.holidays_file !== undefined) {
    const holidays = await readHolidays(calendar.holidays_file);
    if (holidays.has(text)) return `${text} is a holiday (${calendar.holidays_file})`;
  }
  return undefined;
}

/** The dates of a holidays file; TW_JOB_INVALID listing every bad line with its number. */
export async function readHolidays(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_JOB_INVALID',
      `cannot read the holidays file ${file}: ${(e as Error).message}. Check calendar.holidays_file`,
      { cause: e },
    );
  }
  const dates = new Set<string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (isDate(line)) dates.add(line);
    else problems.push(`${file}:${i + 1}: expected a date YYYY-MM-DD, found "${line}"`);
  });
  if (problems.length > 0) {
    throw new TradewatchError('TW_JOB_INVALID', `the holidays file is invalid:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return dates;
}
