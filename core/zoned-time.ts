/**
 * Local dates and times in an IANA time zone, with the runtime's Intl data (no extra dependency):
 * what the scheduler's templates and the dispatcher's daily digest need to turn "yesterday in New
 * York", "the 09:30-16:00 window" or "08:00 Europe/London" into UTC instants, daylight saving time
 * included.
 */

export interface LocalDateTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock date and time of `epochMs` in `timezone`. */
export function localDateTime(epochMs: number, timezone: string): LocalDateTime {
  const parts = Object.fromEntries(
    formatter(timezone)
      .formatToParts(new Date(epochMs))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
  };
}

/** How far `timezone`'s wall clock is ahead of UTC at `epochMs`, in ms (seconds ignored). */
function offsetMs(epochMs: number, timezone: string): number {
  const l = localDateTime(epochMs, timezone);
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  return wall - Math.floor(epochMs / 60_000) * 60_000;
}

/**
 * The instant the wall clock in `timezone` shows `local`. A time skipped by a DST change maps to the
 * instant one gap later (02:30 on a spring-forward day at 02:00 → 03:30 local); a time shown twice
 * maps to the first.
 */
export function zonedToUtc(local: LocalDateTime, timezone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // The offset an hour or so either side of the answer; take the earlier instant that fits.
  const before = wall - offsetMs(wall - 86_400_000 / 2, timezone);
  const after = wall - offsetMs(wall + 86_400_000 / 2, timezone);
  for (const candidate of [Math.min(before, after), Math.max(before, after)]) {
    const l = localDateTime(candidate, timezone);
    if (Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) === wall) return candidate;
  }
  // In a gap: the wall time does not exist; move it by the gap (the earlier offset applies).
  return before;
}

/** The local calendar day `days` after (or before, when negative) the given one. */
export function addDays(
  date: Pick<LocalDateTime, 'year' | 'month' | 'day'>,
  days: number,
): Pick<LocalDateTime, 'year' | 'month' | 'day'> {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The instant local day `date` starts (00:00) in `timezone`. */
export function startOfDay(date: Pick<LocalDateTime, 'year' | 'month' | 'day'>, timezone: string): number {
  return zonedToUtc({ ...date, hour: 0, minute: 0 }, timezone);
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(date: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** `HH:MM` → minutes since midnight, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `timezone` is an IANA time zone this runtime knows. */
export function isTimeZone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}
