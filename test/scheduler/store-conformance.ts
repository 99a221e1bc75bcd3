/**
 * The conformance suite every job store passes (postgres-store.test.ts, json-file-store.test.ts): the
 * store contract itself, and the scheduler's behaviour on top of it (misfire and overlap policies,
 * retries with backoff, timeouts, a lost run recovered, run-now, backfill, enable/disable), all on a
 * virtual clock. Each test gets a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { TradewatchError } from '../../core/errors.ts';
import type { JobStore } from '../../scheduler/store.ts';
import type { RunRecord } from '../../scheduler/types.ts';
import { pendingRun } from '../../scheduler/run-records.ts';
import {
  MINUTE,
  ManualClock,
  RecordingEvents,
  T0,
  TemplateControl,
  testJob,
  testScheduler,
} from './helpers.ts';

const iso = (t: number) => new Date(t).toISOString();

function pending(jobId: string, at: number): RunRecord {
  return pendingRun(jobId, at, 'schedule', at);
}

/** Everything a test needs: a fresh store, a clock at T0, templates, events, one scheduler. */
async function setup(makeStore: () => Promise<JobStore>) {
  const store = await makeStore();
  const clock = new ManualClock(T0);
  const control = new TemplateControl();
  const templates = control.templates();
  const events = new RecordingEvents();
  const scheduler = testScheduler(store, { clock, templates, events });
  /** Advances the clock to `t`, ticks, and waits for the attempts started to end. */
  const tickAt = async (t: number, s = scheduler) => {
    clock.set(t);
    const report = await s.tick();
    return report;
  };
  const settle = async (s = scheduler) => {
    await s.idle();
    await s.flushEvents();
  };
  const states = async (job: string) =>
    (await store.history(job, 100))
      .reverse()
      .map((r) => `${iso(r.scheduledAt).slice(11, 16)} ${r.state}${r.attempt > 1 ? ` x${r.attempt}` : ''}`);
  return { store, clock, control, templates, events, scheduler, tickAt, settle, states };
}

export function describeStoreConformance(name: string, makeStore: () => Promise<JobStore>): void {
  describe(`${name}: the store contract`, () => {
    it('creates, lists, reads and removes jobs; a taken id is refused', async () => {
      const { store, templates } = await setup(makeStore);
      const b = await store.createJob(testJob(templates, { id: 'b' }), T0);
      await store.createJob(
        testJob(templates, { id: 'a', cron: '0 9 * * 1-5', every: undefined, tz: 'America/New_York' }),
        T0,
      );
      expect(b).toMatchObject({ id: 'b', cursor: T0, createdAt: T0, enabled: true });
      expect((await store.listJobs()).map((j) => j.id)).toEqual(['a', 'b']);
      expect((await store.getJob('a'))?.schedule).toEqual({
        kind: 'cron',
        expression: '0 9 * * 1-5',
        timezone: 'America/New_York',
      });
      const taken = await store.createJob(testJob(templates, { id: 'a' }), T0).catch((e: unknown) => e);
      expect(taken).toBeInstanceOf(TradewatchError);
      expect((taken as TradewatchError).code).toBe('TW_JOB_INVALID');
      expect((taken as Error).message).toContain('already exists');
      await store.withJob('b', 'wait', (tx) => tx.insertRuns([pending('b', T0 + MINUTE)]));
      expect(await store.removeJob('b')).toBe(true);
      expect(await store.removeJob('b')).toBe(false);
      expect(await store.getJob('b')).toBeUndefined();
      expect(await store.history('b', 10)).toEqual([]);
      expect(await store.withJob('b', 'wait', () => Promise.resolve(1))).toBeUndefined();
    });

    it('inserts a run (job, scheduled time) once, whoever asks again', async () => {
      const { store, templates } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j' }), T0);
      const first = await store.withJob('j', 'wait', (tx) =>
        tx.insertRuns([pending('j', T0 + MINUTE), pending('j', T0 + 2 * MINUTE)]),
      );
      const again = await store.withJob('j', 'skip', (tx) =>
        tx.insertRuns([{ ...pending('j', T0 + MINUTE), state: 'skipped' }, pending('j', T0 + 3 * MINUTE)]),
      );
      expect(first?.map((r) => r.scheduledAt)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
      expect(again?.map((r) => r.scheduledAt)).toEqual([T0 + 3 * MINUTE]);
      expect((await store.getRun('j', T0 + MINUTE))?.state).toBe('pending');
      expect((await store.history('j', 2)).map((r) => r.scheduledAt)).toEqual([
        T0 + 3 * MINUTE,
        T0 + 2 * MINUTE,
      ]);
    });

    it('keeps a critical section all or nothing: a failure changes nothing', async () => {
      const { store, templates } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j' }), T0);
      const failed = await store
        .withJob('j', 'wait', async (tx) => {
          await tx.insertRuns([pending('j', T0 + MINUTE)]);
          await tx.updateJob({ enabled: false, cursor: T0 + 5 * MINUTE }, T0 + MINUTE);
          throw new Error('boom');
        })
        .catch((e: unknown) => e);
      expect((failed as Error).message).toBe('boom');
      expect(await store.history('j', 10)).toEqual([]);
      expect(await store.getJob('j')).toMatchObject({ enabled: true, cursor: T0 });
    });

    it('hands out outbox events once per lease, in order, until marked sent', async () => {
      const { store, templates, events } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j' }), T0);
      const event = (n: number) => ({ ...sampleEvent, job: 'j', attempt: n });
      await store.withJob('j', 'wait', (tx) => tx.addEvents([event(1), event(2), event(3)]));
      const a = await store.claimEvents('a', T0, 10_000, 2);
      expect(a.map((e) => e.event.attempt)).toEqual([1, 2]);
      expect((await store.claimEvents('b', T0 + 1, 10_000, 10)).map((e) => e.event.attempt)).toEqual([3]);
      // a's claim runs out before it marked them sent: they go out again (at least once).
      const again = await store.claimEvents('b', T0 + 10_000, 10_000, 10);
      expect(again.map((e) => e.event.attempt)).toEqual([1, 2]);
      await store.markEventsSent(
        again.map((e) => e.id),
        T0 + 10_000,
      );
      expect(await store.claimEvents('c', T0 + 60_000, 10_000, 10)).toHaveLength(1);
      expect(events.events).toEqual([]);
    });
  });

  describe(`${name}: occurrences and policies`, () => {
    it('fires each occurrence on time, once, and records its event', async () => {
      const { store, templates, scheduler, tickAt, settle, events, states } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j', every: '10m' }), T0);
      const r0 = await tickAt(T0 + 5 * MINUTE);
      expect(r0.claimed).toHaveLength(0);
      expect(r0.nextWakeAt).toBe(T0 + 10 * MINUTE);
      const r1 = await tickAt(T0 + 10 * MINUTE);
      expect(r1.claimed.map((r) => r.scheduledAt)).toEqual([T0 + 10 * MINUTE]);
      await settle();
      await tickAt(T0 + 10 * MINUTE + 1); // nothing new
      await tickAt(T0 + 20 * MINUTE);
      await settle();
      expect(await states('j')).toEqual(['00:10 succeeded', '00:20 succeeded']);
      expect(events.of('j').map((e) => [e.outcome, e.final, e.attempt, e.delay_ms])).toEqual([
        ['succeeded', true, 1, 0],
        ['succeeded', true, 1, 0],
      ]);
      expect(events.of('j')[0]).toMatchObject({
        scheduled_at: T0 + 10 * MINUTE,
        instance: 'a',
        summary: { attempt: '1' },
      });
      expect(scheduler.running()).toEqual([]);
    });

    // Downtime: the scheduler last ran at T0, comes back at 01:05; occurrences every 10 min from 00:10
    // to 01:00 (6) are all later than the 1-minute grace.
    for (const [policy, expected] of [
      [
        'skip',
        [
          '00:10 skipped',
          '00:20 skipped',
          '00:30 skipped',
          '00:40 skipped',
          '00:50 skipped',
          '01:00 skipped',
        ],
      ],
      [
        'run_once',
        [
          '00:10 skipped',
          '00:20 skipped',
          '00:30 skipped',
          '00:40 skipped',
          '00:50 skipped',
          '01:00 succeeded',
        ],
      ],
      [
        'run_all',
        [
          '00:10 skipped',
          '00:20 skipped',
          '00:30 succeeded',
          '00:40 succeeded',
          '00:50 succeeded',
          '01:00 succeeded',
        ],
      ],
    ] as const) {
      it(`misfire policy ${policy} after downtime`, async () => {
        const { store, templates, tickAt, settle, states, events } = await setup(makeStore);
        await store.createJob(
          testJob(templates, { id: 'j', every: '10m', misfire: policy, misfireCap: 4, misfireGrace: '1m' }),
          T0,
        );
        await tickAt(T0 + 65 * MINUTE);
        await settle();
        // skip/queue_one runs pending ones one at a time: tick until none is left.
        for (let i = 1; i <= 4; i += 1) {
          await tickAt(T0 + 65 * MINUTE + i);
          await settle();
        }
        expect(await states('j')).toEqual(expected);
        const skipped = events.of('j').filter((e) => e.outcome === 'skipped');
        expect(skipped[0]?.error).toMatch(/^misfire: found 55m late/);
        expect(skipped[0]).toMatchObject({
          attempt: 0,
          started_at: null,
          delay_ms: 55 * MINUTE,
          final: true,
        });
      });
    }

    it('an occurrence within the grace is on time, not a misfire', async () => {
      const { store, templates, tickAt, settle, states } = await setup(makeStore);
      await store.createJob(
        testJob(templates, { id: 'j', every: '10m', misfire: 'skip', misfireGrace: '1m' }),
        T0,
      );
      await tickAt(T0 + 11 * MINUTE);
      await settle();
      expect(await states('j')).toEqual(['00:10 succeeded']);
    });

    // A run of a blocking job starts at 00:01; the 00:02 and 00:03 occurrences come due while it runs.
    for (const [policy, whileRunning, atEnd] of [
      [
        'skip',
        ['00:01 running', '00:02 skipped', '00:03 skipped'],
        ['00:01 succeeded', '00:02 skipped', '00:03 skipped'],
      ],
      [
        'queue_one',
        ['00:01 running', '00:02 pending', '00:03 skipped'],
        ['00:01 succeeded', '00:02 succeeded', '00:03 skipped'],
      ],
      [
        'allow',
        ['00:01 running', '00:02 running', '00:03 running'],
        ['00:01 succeeded', '00:02 succeeded', '00:03 succeeded'],
      ],
    ] as const) {
      it(`overlap policy ${policy}`, async () => {
        const { store, templates, tickAt, settle, states, scheduler, control, events } =
          await setup(makeStore);
        await store.createJob(testJob(templates, { id: 'j', template: 'test-block', overlap: policy }), T0);
        await tickAt(T0 + MINUTE);
        await tickAt(T0 + 2 * MINUTE);
        await tickAt(T0 + 3 * MINUTE);
        await scheduler.flushEvents();
        expect(await states('j')).toEqual(whileRunning);
        if (policy !== 'allow')
          expect(events.of('j').find((e) => e.outcome === 'skipped')?.error).toMatch(/^overlap: /);
        // The queued run starts only after the running one ended.
        for (let i = 1; i <= 3; i += 1) {
          control.release();
          await settle();
          await tickAt(T0 + 3 * MINUTE + i);
        }
        control.release();
        await settle();
        expect(await states('j')).toEqual(atEnd);
      });
    }

    it('retries a failed attempt with exponential backoff, capped, then succeeds', async () => {
      const { store, templates, tickAt, settle, states, events, control } = await setup(makeStore);
      control.failFirst = 3;
      await store.createJob(
        testJob(templates, {
          id: 'j',
          template: 'test-fail',
          every: '1h',
          retries: 3,
          backoff: '10s',
          maxBackoff: '25s',
        }),
        T0,
      );
      const at = T0 + 60 * MINUTE;
      await tickAt(at);
      await settle();
      // Attempt 1 failed at 01:00:00: the next may start after 10 s, not before.
      expect((await store.getRun('j', at))?.nextAttemptAt).toBe(at + 10_000);
      const waiting = await tickAt(at + 9_999);
      expect(waiting.claimed).toHaveLength(0);
      // The daemon sleeps until the retry is due.
      expect(waiting.nextWakeAt).toBe(at + 10_000);
      expect((await tickAt(at + 10_000)).claimed).toHaveLength(1);
      await settle();
      // Attempt 2 failed at +10 s: waits 20 s (doubled). Attempt 3 fails at +30 s: waits 25 s (40 capped).
      expect((await store.getRun('j', at))?.nextAttemptAt).toBe(at + 30_000);
      await tickAt(at + 30_000);
      await settle();
      expect((await store.getRun('j', at))?.nextAttemptAt).toBe(at + 55_000);
      expect((await tickAt(at + 54_999)).claimed).toHaveLength(0);
      await tickAt(at + 55_000);
      await settle();
      expect(await states('j')).toEqual(['01:00 succeeded x4']);
      expect(events.of('j').map((e) => [e.attempt, e.outcome, e.final, e.next_attempt_at])).toEqual([
        [1, 'failed', false, at + 10_000],
        [2, 'failed', false, at + 30_000],
        [3, 'failed', false, at + 55_000],
        [4, 'succeeded', true, null],
      ]);
      expect(events.of('j')[0]?.error).toBe('TW_INTERNAL: failure 1 (test)');
      expect(events.of('j')[0]?.max_attempts).toBe(4);
    });

    it('fails for good once the retries are used up', async () => {
      const { store, templates, tickAt, settle, events, control } = await setup(makeStore);
      control.failFirst = 99;
      await store.createJob(
        testJob(templates, { id: 'j', template: 'test-fail', every: '1h', retries: 1, backoff: '1s' }),
        T0,
      );
      await tickAt(T0 + 60 * MINUTE);
      await settle();
      await tickAt(T0 + 60 * MINUTE + 1_000);
      await settle();
      expect((await store.getRun('j', T0 + 60 * MINUTE))?.state).toBe('failed');
      expect(events.of('j').map((e) => [e.attempt, e.outcome, e.final])).toEqual([
        [1, 'failed', false],
        [2, 'failed', true],
      ]);
    });

    it('aborts an attempt past its timeout and counts it timed out', async () => {
      const { store, templates, tickAt, settle, events } = await setup(makeStore);
      await store.createJob(
        testJob(templates, { id: 'j', template: 'test-block', every: '1h', timeout: '30s' }),
        T0,
      );
      await tickAt(T0 + 60 * MINUTE);
      const early = await tickAt(T0 + 60 * MINUTE + 29_999);
      expect(early.timedOut).toBe(0);
      expect(early.nextWakeAt).toBe(T0 + 60 * MINUTE + 30_000);
      const late = await tickAt(T0 + 60 * MINUTE + 30_000);
      expect(late.timedOut).toBe(1);
      await settle();
      expect((await store.getRun('j', T0 + 60 * MINUTE))?.state).toBe('timed_out');
      expect(events.of('j')).toMatchObject([{ outcome: 'timed_out', final: true, duration_ms: 30_000 }]);
      expect(events.of('j')[0]?.error).toContain('timeout of 30s');
    });

    it('recovers the run of an instance that stopped: lost, then retried by another', async () => {
      const { store, templates, clock, events, control } = await setup(makeStore);
      await store.createJob(
        testJob(templates, { id: 'j', template: 'test-hang', every: '1h', retries: 1, backoff: '5s' }),
        T0,
      );
      const a = testScheduler(store, { clock, templates, events, instanceId: 'a', leaseMs: 20_000 });
      const b = testScheduler(store, { clock, templates, events, instanceId: 'b', leaseMs: 20_000 });
      const at = T0 + 60 * MINUTE;
      clock.set(at);
      expect((await a.tick()).claimed).toHaveLength(1);
      // a hangs and stops ticking (killed). While its lease lasts, b leaves the run alone.
      clock.set(at + 19_999);
      expect((await b.tick()).lost).toBe(0);
      clock.set(at + 20_000);
      const recovered = await b.tick();
      expect(recovered.lost).toBe(1);
      await b.flushEvents();
      expect(events.of('j')).toMatchObject([
        { outcome: 'lost', attempt: 1, final: false, instance: 'b', next_attempt_at: at + 25_000 },
      ]);
      expect(events.of('j')[0]?.error).toContain('the lease of instance a ran out');
      clock.set(at + 25_000);
      expect((await b.tick()).claimed).toMatchObject([{ attempt: 2, leaseOwner: 'b' }]);
      expect(control.log).toEqual([`j@${iso(at)}#1`, `j@${iso(at)}#2`]);
      // a comes back: its heartbeat finds the run is no longer its own and abandons the attempt.
      clock.set(at + 26_000);
      await a.tick();
      expect(a.running()).toEqual([]);
      expect(await store.getRun('j', at)).toMatchObject({ state: 'running', leaseOwner: 'b', attempt: 2 });
    });

    it('ignores a disabled job, and does not catch up its disabled period when enabled', async () => {
      const { store, templates, scheduler, tickAt, settle, states } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j', every: '10m', misfire: 'run_all' }), T0);
      await scheduler.setEnabled('j', false);
      expect((await tickAt(T0 + 35 * MINUTE)).created).toBe(0);
      await scheduler.setEnabled('j', true);
      await tickAt(T0 + 35 * MINUTE + 1);
      await tickAt(T0 + 40 * MINUTE);
      await settle();
      expect(await states('j')).toEqual(['00:40 succeeded']);
      await expect(scheduler.setEnabled('nope', true)).rejects.toMatchObject({ code: 'TW_JOB_UNKNOWN' });
    });

    it('runs a job now on request, and backfills past occurrences once', async () => {
      const { store, templates, scheduler, tickAt, settle, states, clock } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j', cron: '0 6 * * *', every: undefined }), T0);
      clock.set(T0 + 90 * MINUTE);
      const run = await scheduler.runNow('j', { wait: true });
      expect(run).toMatchObject({
        state: 'succeeded',
        trigger: 'manual',
        scheduledAt: T0 + 90 * MINUTE,
        attempt: 1,
      });
      const first = await scheduler.backfill('j', T0 - 3 * 24 * 60 * MINUTE, T0);
      expect(first).toEqual({ created: 3, existing: 0 });
      expect(await scheduler.backfill('j', T0 - 2 * 24 * 60 * MINUTE, T0)).toEqual({
        created: 0,
        existing: 2,
      });
      for (let i = 1; i <= 3; i += 1) {
        await tickAt(T0 + 90 * MINUTE + i);
        await settle();
      }
      expect(await states('j')).toEqual([
        '06:00 succeeded',
        '06:00 succeeded',
        '06:00 succeeded',
        '01:30 succeeded',
      ]);
      expect((await store.history('j', 10)).map((r) => r.trigger)).toEqual([
        'manual',
        'backfill',
        'backfill',
        'backfill',
      ]);
      await expect(scheduler.backfill('j', 0, T0)).rejects.toMatchObject({ code: 'TW_JOB_INVALID' });
      await expect(scheduler.runNow('nope', { wait: false })).rejects.toMatchObject({
        code: 'TW_JOB_UNKNOWN',
      });
    });

    it('keeps events in the outbox while delivery fails, and delivers them later', async () => {
      const { store, templates, tickAt, settle, events, scheduler } = await setup(makeStore);
      await store.createJob(testJob(templates, { id: 'j' }), T0);
      events.failing = true;
      await tickAt(T0 + MINUTE);
      await settle();
      expect(events.events).toEqual([]);
      events.failing = false;
      // Claimed by the failed delivery until its lease (30 s) runs out.
      expect(await scheduler.flushEvents()).toBe(0);
      await tickAt(T0 + MINUTE + 30_000);
      expect(events.of('j').map((e) => e.outcome)).toEqual(['succeeded']);
    });
  });
}

const sampleEvent = {
  job: 'j',
  template: 'test-ok',
  env: 'prod',
  scheduled_at: T0,
  trigger: 'schedule',
  attempt: 1,
  max_attempts: 1,
  instance: 'a',
  started_at: T0,
  finished_at: T0,
  outcome: 'succeeded',
  final: true,
  next_attempt_at: null,
  error: null,
  duration_ms: 0,
  delay_ms: 0,
  summary: {},
} as const;
