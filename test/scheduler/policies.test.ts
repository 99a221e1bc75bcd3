/** The policies as pure functions: misfire, overlap, backoff; and job definitions' validation. */
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../scheduler/job-definition.ts';
import { backoffMs, planOccurrences } from '../../scheduler/policies.ts';
import { TEMPLATES } from '../../scheduler/templates/index.ts';
import type { MisfirePolicy, OverlapPolicy } from '../../scheduler/types.ts';
import { T0 } from './helpers.ts';

const M = 60_000;
const job = (policy: MisfirePolicy, overlap: OverlapPolicy = 'allow', cap = 2) => ({
  misfire: { policy, cap, graceMs: M },
  overlap,
});
/** Occurrences at 10, 20, 30 (late at now = 35 with a 1-minute grace) and 35 (on time). */
const scan = { latest: [10 * M, 20 * M, 30 * M, 35 * M], dropped: 0, complete: true };
const now = 35 * M + 30_000;
const idle = { running: false, queued: 0 };

describe('planOccurrences', () => {
  it('misfire skip: the late ones are skipped, the on-time one runs', () => {
    const plan = planOccurrences(job('skip'), scan, now, idle);
    expect(plan.run).toEqual([35 * M]);
    expect(plan.skip.map((s) => s.at)).toEqual([10 * M, 20 * M, 30 * M]);
    expect(plan.skip[2]?.reason).toMatch(/^misfire: found 5m30s late .*misfire policy skip/);
  });

  it('misfire run_once: the latest late one runs', () => {
    const plan = planOccurrences(job('run_once'), scan, now, idle);
    expect(plan.run).toEqual([30 * M, 35 * M]);
    expect(plan.skip.map((s) => s.at)).toEqual([10 * M, 20 * M]);
  });

  it('misfire run_all: the latest `cap` late ones run', () => {
    const plan = planOccurrences(job('run_all', 'allow', 2), scan, now, idle);
    expect(plan.run).toEqual([20 * M, 30 * M, 35 * M]);
    expect(plan.skip.map((s) => s.at)).toEqual([10 * M]);
    expect(plan.skip[0]?.reason).toContain('at most the latest 2');
  });

  it('overlap while a run is running: skip, queue one, allow', () => {
    const onTime = { latest: [35 * M, 35 * M + 15_000], dropped: 0, complete: true };
    const running = { running: true, queued: 0 };
    expect(planOccurrences(job('skip', 'skip'), onTime, now, running).run).toEqual([]);
    expect(planOccurrences(job('skip', 'queue_one'), onTime, now, running).run).toEqual([35 * M]);
    expect(planOccurrences(job('skip', 'queue_one'), onTime, now, { running: true, queued: 1 }).run).toEqual(
      [],
    );
    expect(planOccurrences(job('skip', 'allow'), onTime, now, running).run).toEqual(onTime.latest);
    expect(planOccurrences(job('skip', 'skip'), onTime, now, idle).run).toEqual(onTime.latest);
  });
});

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const retry = { retries: 10, backoffMs: 1_000, maxBackoffMs: 10_000 };
    // 1 s, 2 s, 4 s, 8 s, then 16 s capped at 10 s; absurd attempts stay capped.
    expect([1, 2, 3, 4, 5, 2000].map((a) => backoffMs(retry, a))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});

describe('defineJob', () => {
  it('applies the defaults and the template’s parameter defaults', () => {
    const job = defineJob(
      { id: 'pd', template: 'precision-daily', cron: '30 2 * * *', tz: 'Europe/London' },
      TEMPLATES,
      T0,
    );
    expect(job).toMatchObject({
      id: 'pd',
      schedule: { kind: 'cron', expression: '30 2 * * *', timezone: 'Europe/London' },
      params: { days: 1, timezone: 'UTC' },
      env: 'prod',
      enabled: true,
      misfire: { policy: 'run_once', cap: 10, graceMs: 60_000 },
      overlap: 'skip',
      timeoutMs: 3_600_000,
      retry: { retries: 2, backoffMs: 30_000, maxBackoffMs: 600_000 },
    });
  });

  it('lists every problem at once, each with what is accepted', () => {
    let message = '';
    try {
      defineJob(
        {
          id: 'Bad Id',
          template: 'risk-check',
          params: { max_drawdown: 5, lookback: 'a day', extra: 1 },
          every: '15m',
          at: '2025-03-03T10:00:00Z',
          env: 'production',
          overlap: 'queue',
          retries: '-1',
          backoff: '10m',
          maxBackoff: '1m',
        },
        TEMPLATES,
        T0,
      );
    } catch (e: unknown) {
      expect(e).toMatchObject({ code: 'TW_JOB_INVALID' });
      message = (e as Error).message;
    }
    for (const expected of [
      'job id "Bad Id" is not valid; accepted: 1 to 63 lower-case letters',
      'several schedules given (--every, --at)',
      '--env "production" is not an env; accepted: prod, staging, paper',
      '--overlap "queue" is not an overlap policy; accepted: skip',
      '--retries "-1": expected a whole number from 0 to 100',
      '--max-backoff (60000 ms) must not be shorter than --backoff (600000 ms)',
      'params.max_drawdown: Too big: expected number to be <=1, found 5',
      'params.lookback: expected a duration, a whole number with a unit',
      'params: Unrecognized key: "extra"',
      'accepted parameters of template "risk-check":',
      'max_drawdown (number > 0 <= 1, default 0.1)',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('refuses a one-off in the past and an interval under a second', () => {
    expect(() =>
      defineJob({ id: 'o', template: 'precision-daily', at: '2025-03-02T00:00:00Z' }, TEMPLATES, T0),
    ).toThrow(/is not in the future .*use `schedule run-now`/);
    expect(() =>
      defineJob({ id: 'o', template: 'precision-daily', at: '2025-03-04 10:00' }, TEMPLATES, T0),
    ).toThrow(/expected an ISO-8601 time with a zone/);
    expect(() => defineJob({ id: 'i', template: 'precision-daily', every: '500ms' }, TEMPLATES, T0)).toThrow(
      /not an interval of at least 1s/,
    );
  });
});
