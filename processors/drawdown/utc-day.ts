/** Milliseconds in a UTC day (UTC has no daylight saving; leap seconds do not exist in epoch time). */
export const DAY_MS = 86_400_000;

/** 00:00 UTC of the day of `ts` (epoch ms), exact for every safe integer, negative ones included. */
export function utcDayStart(ts: number): number {
  return ts - (((ts % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Whether two instants fall on the same UTC day. */
export function sameUtcDay(a: number, b: number): boolean {
  return utcDayStart(a) === utcDayStart(b);
}
