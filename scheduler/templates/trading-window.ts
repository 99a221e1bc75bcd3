/**
 * `trading-window-check`: a live strategy's inference cycles must start and stop within its expected
 * daily window, with no long silence in between. The window is `window.start`-`window.end` local time
 * in `timezone` (an end earlier than the start crosses midnight); the run checks the latest window
 * that ended at or before the occurrence (schedule it shortly after the window's end).
 *
 * It reads the QuestDB table `inference_cycles`, which the freshness processor writes for every cycle
 * of `inference.cycles` (ts = the cycle's finish, `duration_ms`, `status`): a cycle started at
 * `ts - duration_ms`. Cycles of the strategy in the job's env starting from `outside_margin` before
 * the window to `outside_margin` after it are considered.
 *
 * Problems (any one makes the window a violation):
 * - no cycle in the window;
 * - the first cycle started more than `start_tolerance` after the window's start (late start);
 * - the last cycle finished more than `end_tolerance` before the window's end (stopped early) or
 *   after it (ran past the window);
 * - a cycle started outside the window (within the margins);
 * - a silence longer than `max_gap` between the window's start, the cycle starts and the window's
 *   end (the health checks in between);
 * - more than `max_failed` failed cycles.
 * A window whose start falls on a day the `calendar` closes (weekdays, holidays, holidays file, in
 * `timezone`) is not judged: the run says so and writes nothing.
 * Out: a `trading_window_checks` row (ts = the window's start) and a point
 * `trading_window_violation{strategy,env}` (1 or 0; the default rule alerts on 1) on `metrics`.
 */
import { z } from 'zod';
import type { SinkRow } from '../../processors/contract.ts';
import { formatDuration } from '../../core/durations.ts';
import { at, durationParam, epochMs, num, text, timezoneParam } from './sql.ts';
import { calendarParam, closedBecause } from './calendar.ts';
import type { JobTemplate, TemplateSummary } from './types.ts';
import { addDays, localDateTime, parseClock, zonedToUtc } from '../../core/zoned-time.ts';

const clock = z
  .string()
  .refine((v) => parseClock(v) !== undefined, { message: 'expected a local time HH:MM (00:00 to 23:59)' });

const params = z.strictObject({
  strategy: z.string().min(1).describe('The strategy whose cycles are checked'),
  window: z
    .strictObject({
      start: clock.describe('Local time the first cycle is due, HH:MM'),
      end: clock.describe('Local time the last cycle must be done by, HH:MM'),
    })
    .describe('The daily trading window'),
  timezone: timezoneParam('Time zone of the window'),
  start_tolerance: durationParam('How late after the window’s start the first cycle may start', '10m'),
  end_tolerance: durationParam('How far from the window’s end the last cycle may finish', '10m'),
  max_gap: durationParam('Longest silence without a cycle start inside the window', '15m'),
  max_failed: z.number().int().min(0).default(0).describe('Failed cycles tolerated in a window'),
  outside_margin: durationParam(
    'How far around the window cycles are looked for (and count as outside)',
    '6h',
  ),
  calendar: calendarParam,
});
export type TradingWindowParams = z.infer<typeof params>;

export const tradingWindowCheck: JobTemplate<TradingWindowParams> = {
  name: 'trading-window-check',
  description:
    'A strategy’s inference cycles start and stop within its daily window, without long gaps, into trading_window_checks.',
  params,
  async run(p, context) {
    const env = context.job.env;
    const { start, end } = latestWindow(context.scheduledAt, p);
    // A session on a day the calendar closes (the window's start, local) is not judged.
    const closed = await closedBecause(p.calendar, localDateTime(start, p.timezone));
    if (closed !== undefined) {
      const skipped: TemplateSummary = {
        window_start: new Date(start).toISOString(),
        skipped: `no session: ${closed}`,
      };
      return skipped;
    }
    // Rows are keyed by the finish; a cycle that started within the margins finished a little later.
    const result = await context.outputs.query(
      `SELECT ts, duration_ms, status FROM ${context.outputs.table('inference_cycles')} WHERE strategy = ${text(p.strategy)} ` +
        `AND env = ${text(env)} AND ts >= ${at(start - p.outside_margin)} AND ts < ${at(end + 2 * p.outside_margin)} ORDER BY ts`,
    );
    const all = result.rows
      .map((r) => {
        const finish = epochMs(r['ts']) ?? 0;
        return { start: finish - (num(r['duration_ms']) ?? 0), finish, failed: r['status'] === 'failure' };
      })
      .filter((c) => c.start >= start - p.outside_margin && c.start < end + p.outside_margin)
      .sort((a, b) => a.start - b.start);
    // A cycle belongs to the window when it starts in it; a start a little early counts as outside.
    const inside = all.filter((c) => c.start >= start && c.start < end);
    const outside = all.length - inside.length;
    const problems: string[] = [];
    const first = inside[0];
    const last = inside.at(-1);
    const iso = (t: number) => new Date(t).toISOString();
    if (first === undefined || last === undefined) {
      problems.push(`no cycle between ${iso(start)} and ${iso(end)}`);
    } else {
      if (first.start - start > p.start_tolerance) {
        problems.push(
          `the first cycle started ${formatDuration(first.start - start)} after the window opened (tolerance ${formatDuration(p.start_tolerance)})`,
        );
      }
      if (end - last.finish > p.end_tolerance) {
        problems.push(
          `the last cycle finished ${formatDuration(end - last.finish)} before the window closed (tolerance ${formatDuration(p.end_tolerance)})`,
        );
      } else if (last.finish - end > p.end_tolerance) {
        problems.push(
          `the last cycle finished ${formatDuration(last.finish - end)} after the window closed (tolerance ${formatDuration(p.end_tolerance)})`,
        );
      }
    }
    if (outside > 0) problems.push(`${outside} cycle(s) started outside the window`);
    const marks = [start, ...inside.map((c) => c.start), end];
    let maxGap = 0;
    for (let i = 1; i < marks.length; i += 1)
      maxGap = Math.max(maxGap, (marks[i] ?? 0) - (marks[i - 1] ?? 0));
    // The start and end gaps are judged by the tolerances above; the gap rule is about silence in between.
    let innerGap = 0;
    for (let i = 1; i < inside.length; i += 1) {
      innerGap = Math.max(innerGap, (inside[i]?.start ?? 0) - (inside[i - 1]?.start ?? 0));
    }
    if (innerGap > p.max_gap) {
      problems.push(
        `no cycle started for ${formatDuration(innerGap)} inside the window (limit ${formatDuration(p.max_gap)})`,
      );
    }
    const failed = inside.filter((c) => c.failed).length;
    if (failed > p.max_failed) problems.push(`${failed} cycle(s) failed (tolerated: ${p.max_failed})`);

    const ok = problems.length === 0;
    const row: SinkRow = {
      table: 'trading_window_checks',
      ts: start,
      symbols: { strategy: p.strategy, env },
      columns: {
        window_end: end,
        first_start: first?.start ?? null,
        last_finish: last?.finish ?? null,
        cycles: inside.length,
        failed_cycles: failed,
        outside_cycles: outside,
        max_gap_ms: maxGap,
        ok,
        problems: ok ? null : problems.join('\n'),
      },
    };
    await context.outputs.writeRows([row]);
    await context.outputs.metrics([
      {
        name: 'trading_window_violation',
        labels: { strategy: p.strategy, env },
        value: ok ? 0 : 1,
        ts: start,
      },
    ]);
    return {
      window_start: iso(start),
      window_end: iso(end),
      cycles: inside.length,
      ok,
      problems: problems.length,
    };
  },
};

/** The latest window (start, end) whose end is at or before `t`. */
export function latestWindow(
  t: number,
  p: Pick<TradingWindowParams, 'window' | 'timezone'>,
): { start: number; end: number } {
  const startMinutes = parseClock(p.window.start) ?? 0;
  const endMinutes = parseClock(p.window.end) ?? 0;
  const local = (date: { year: number; month: number; day: number }, minutes: number) =>
    zonedToUtc({ ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 }, p.timezone);
  let day = localDateTime(t, p.timezone) as { year: number; month: number; day: number };
  let end = local(day, endMinutes);
  if (end > t) {
    day = addDays(day, -1);
    end = local(day, endMinutes);
  }
  const startDay = startMinutes < endMinutes ? day : addDays(day, -1);
  return { start: local(startDay, startMinutes), end };
}
