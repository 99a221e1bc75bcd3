/**
 * When schedules fire, computed from a given time: cron in time zones across both DST changes,
 * intervals, one-offs, and the errors for bad expressions and zones.
 */
import { describe, expect, it } from 'vitest';
import { cronProblems, nextOccurrence, occurrencesBetween } from '../../scheduler/occurrences.ts';
import type { Schedule } from '../../scheduler/types.ts';

const iso = (t: number) => new Date(t).toISOString();
const at = (s: string) => Date.parse(s);
const cron = (expression: string, timezone: string): Schedule => ({ kind: 'cron', expression, timezone });

/** Every occurrence in (from, to], as ISO text. */
function between(schedule: Schedule, from: string, to: string): string[] {
  return occurrencesBetween(schedule, at(from), at(to), 1000).latest.map(iso);
}

describe('cron in a time zone', () => {
  it('follows Europe/London across the spring change (01:00 GMT → 02:00 BST, 2025-03-30)', () => {
    // 01:30 local: GMT (UTC+0) before, BST (UTC+1) after. On the 30th 01:30 does not exist: it fires
    // one hour later by the wall clock, 02:30 BST = 01:30Z.
    expect(
      between(cron('30 1 * * *', 'Europe/London'), '2025-03-28T12:00:00Z', '2025-04-01T12:00:00Z'),
    ).toEqual([
      '2025-03-29T01:30:00.000Z',
      '2025-03-30T01:30:00.000Z',
      '2025-03-31T00:30:00.000Z',
      '2025-04-01T00:30:00.000Z',
    ]);
  });

  it('follows Europe/London across the autumn change (02:00 BST → 01:00 GMT, 2025-10-26), once a day', () => {
    // 01:30 local happens twice on the 26th (00:30Z in BST, 01:30Z in GMT): it fires at the first only.
    expect(
      between(cron('30 1 * * *', 'Europe/London'), '2025-10-24T12:00:00Z', '2025-10-28T12:00:00Z'),
    ).toEqual([
      '2025-10-25T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
      '2025-10-28T01:30:00.000Z',
    ]);
  });

  it('keeps a weekday 09:00 New York open across the US change (EST → EDT, 2025-03-09)', () => {
    // Fri 7th: 09:00 EST = 14:00Z; Mon 10th: 09:00 EDT = 13:00Z; no weekend occurrences.
    expect(
      between(cron('0 9 * * 1-5', 'America/New_York'), '2025-03-07T00:00:00Z', '2025-03-11T00:00:00Z'),
    ).toEqual(['2025-03-07T14:00:00.000Z', '2025-03-10T13:00:00.000Z']);
  });

  it('keeps a 30-minute cadence in real time through the autumn change', () => {
    // 00:30Z, 01:00Z... are 01:30 BST, 01:00 GMT, 01:30 GMT: the repeated local hour fires twice, as it should.
    expect(
      between(cron('*/30 * * * *', 'Europe/London'), '2025-10-26T00:10:00Z', '2025-10-26T02:00:00Z'),
    ).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T01:00:00.000Z',
      '2025-10-26T01:30:00.000Z',
      '2025-10-26T02:00:00.000Z',
    ]);
  });

  it('gives the next occurrence strictly after the given time', () => {
    const daily = cron('0 10 * * *', 'UTC');
    expect(iso(nextOccurrence(daily, at('2025-03-08T10:00:00.000Z')) ?? 0)).toBe('2025-03-09T10:00:00.000Z');
    expect(iso(nextOccurrence(daily, at('2025-03-08T09:59:59.999Z')) ?? 0)).toBe('2025-03-08T10:00:00.000Z');
    expect(iso(nextOccurrence(cron('0 */15 * * * *', 'UTC'), at('2025-03-08T10:07:00Z')) ?? 0)).toBe(
      '2025-03-08T10:15:00.000Z',
    );
  });
});

describe('intervals and one-offs', () => {
  it('aligns an interval on its anchor', () => {
    const every15 = { kind: 'interval', everyMs: 15 * 60_000, anchor: at('2025-01-01T00:05:00Z') } as const;
    expect(between(every15, '2025-03-03T10:00:00Z', '2025-03-03T10:35:00Z')).toEqual([
      '2025-03-03T10:05:00.000Z',
      '2025-03-03T10:20:00.000Z',
      '2025-03-03T10:35:00.000Z',
    ]);
    expect(iso(nextOccurrence(every15, at('2025-03-03T10:35:00Z')) ?? 0)).toBe('2025-03-03T10:50:00.000Z');
  });

  it('fires a one-off once', () => {
    const once = { kind: 'once', at: at('2025-03-03T12:00:00Z') } as const;
    expect(nextOccurrence(once, at('2025-03-03T11:00:00Z'))).toBe(once.at);
    expect(nextOccurrence(once, once.at)).toBeUndefined();
    expect(between(once, '2025-03-03T00:00:00Z', '2025-03-04T00:00:00Z')).toEqual([
      '2025-03-03T12:00:00.000Z',
    ]);
  });

  it('keeps the latest occurrences of a long gap and counts the older ones', () => {
    // Every minute over 100 minutes: 100 occurrences, the latest 10 kept, 90 counted.
    const scan = occurrencesBetween({ kind: 'interval', everyMs: 60_000, anchor: 0 }, 0, 100 * 60_000, 10);
    expect(scan.latest).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100].map((m) => m * 60_000));
    expect(scan.dropped).toBe(90);
    const cut = occurrencesBetween(cron('* * * * *', 'UTC'), 0, 100 * 60_000, 5, 20);
    expect(cut).toMatchObject({ complete: false, dropped: 15 });
  });
});

describe('cron errors say what is wrong and what is accepted', () => {
  it.each([
    ['61 * * * *', 'UTC', /Constraint error, got value 61 expected range 0-59.*accepted: 5 fields/],
    ['* * *', 'UTC', /has 3 fields; accepted: 5 fields "minute hour day-of-month month day-of-week"/],
    ['@sometimes', 'UTC', /is not a known macro; accepted:.*@daily/],
    [
      '0 9 * * *',
      'Europe/Lndon',
      /time zone "Europe\/Lndon" is not an IANA time zone \(did you mean "Europe\/London"\?\)/,
    ],
  ])('%s in %s', (expression, timezone, expected) => {
    expect(cronProblems(expression, timezone).join('\n')).toMatch(expected);
  });

  it('accepts 5 and 6 fields, names and macros', () => {
    for (const e of ['30 16 * * 1-5', '0 */15 * * * *', '0 0 1 JAN *', '0 8 * * MON-FRI', '@daily']) {
      expect(cronProblems(e, 'America/New_York'), e).toEqual([]);
    }
  });
});
