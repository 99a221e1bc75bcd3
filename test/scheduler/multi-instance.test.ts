/**
 * Several scheduler instances on one Postgres (each with its own connection pool, ticking at the same
 * time): every occurrence fires exactly once over many occurrences; a killed instance's run is
 * recovered by another; and the daemon's way of sleeping (to the next wake-up) follows a cron across a
 * DST change on a virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { PostgresJobStore } from '../../scheduler/postgres-store.ts';
import {
  MINUTE,
  ManualClock,
  RecordingEvents,
  T0,
  TemplateControl,
  postgresStore,
  testDatabase,
  testJob,
  testSchema,
  testScheduler,
} from './helpers.ts';

const db = testDatabase();

describe('several scheduler instances on Postgres', () => {
  it('fire each occurrence exactly once over many occurrences', async () => {
    const url = await testSchema(db.url());
    const stores = ['a', 'b', 'c'].map(() => new PostgresJobStore({ url, logger: silentLogger() }));
    try {
      await Promise.all(stores.map((s) => s.start()));
      const clock = new ManualClock(T0);
      const control = new TemplateControl();
      const templates = control.templates();
      const events = new RecordingEvents();
      const jobs = ['j1', 'j2', 'j3', 'j4'];
      // overlap allow: a slow instance never makes another skip an occurrence.
      for (const id of jobs) await stores[0]?.createJob(testJob(templates, { id, overlap: 'allow' }), T0);
      const schedulers = stores.map((store, i) =>
        testScheduler(store, { clock, templates, events, instanceId: `i${i}` }),
      );
      const occurrences = 40;
      for (let n = 1; n <= occurrences; n += 1) {
        clock.set(T0 + n * MINUTE);
        await Promise.all(schedulers.map((s) => s.tick()));
        await Promise.all(schedulers.map((s) => s.idle()));
      }
      await Promise.all(schedulers.map((s) => s.flushEvents()));
      // 4 jobs x 40 minutes: 160 occurrences, each run once, each with one event.
      expect(control.calls.size).toBe(jobs.length * occurrences);
      expect([...control.calls.values()].every((n) => n === 1)).toBe(true);
      expect(events.events).toHaveLength(jobs.length * occurrences);
      expect(new Set(events.events.map((e) => `${e.job}@${e.scheduled_at}`)).size).toBe(
        jobs.length * occurrences,
      );
      for (const id of jobs) {
        const runs = await stores[0]?.history(id, 100);
        expect(runs?.length).toBe(occurrences);
        expect(runs?.every((r) => r.state === 'succeeded' && r.attempt === 1)).toBe(true);
      }
      // The work was shared: more than one instance ran attempts.
      expect(new Set(events.events.map((e) => e.instance)).size).toBeGreaterThan(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('share the jobs due at one occurrence instead of the fastest instance claiming them all', async () => {
    const url = await testSchema(db.url());
    const stores = ['a', 'b'].map(() => new PostgresJobStore({ url, logger: silentLogger() }));
    try {
      await Promise.all(stores.map((s) => s.start()));
      const clock = new ManualClock(T0);
      const control = new TemplateControl();
      const templates = control.templates();
      const events = new RecordingEvents();
      const jobs = Array.from({ length: 8 }, (_, i) => `j${i}`);
      for (const id of jobs) await stores[0]?.createJob(testJob(templates, { id }), T0);
      const schedulers = stores.map((store, i) =>
        testScheduler(store, { clock, templates, events, instanceId: `vm-${i + 1}` }),
      );
      clock.set(T0 + MINUTE);
      const reports = await Promise.all(schedulers.map((s) => s.tick()));
      await Promise.all(schedulers.map((s) => s.idle()));
      const claimed = reports.map((r) => r.claimed.length);
      expect(claimed[0]! + claimed[1]!).toBe(jobs.length);
      expect(Math.min(...claimed)).toBeGreaterThan(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('recover the run of a killed instance: lost, retried elsewhere, its late result discarded', async () => {
    const url = await testSchema(db.url());
    const dying = new PostgresJobStore({ url, logger: silentLogger() });
    const survivor = new PostgresJobStore({ url, logger: silentLogger() });
    try {
      await dying.start();
      await survivor.start();
      const clock = new ManualClock(T0);
      const control = new TemplateControl();
      const templates = control.templates();
      const events = new RecordingEvents();
      await survivor.createJob(
        testJob(templates, { id: 'j', template: 'test-block', every: '1h', retries: 2, backoff: '10s' }),
        T0,
      );
      const a = testScheduler(dying, { clock, templates, events, instanceId: 'a', leaseMs: 15_000 });
      const b = testScheduler(survivor, { clock, templates, events, instanceId: 'b', leaseMs: 15_000 });
      const at = T0 + 60 * MINUTE;
      clock.set(at);
      expect((await a.tick()).claimed).toHaveLength(1);
      expect((await b.tick()).claimed).toHaveLength(0);
      // a is killed: its connections go, it never heartbeats again.
      await dying.close();
      clock.set(at + 15_000);
      expect((await b.tick()).lost).toBe(1);
      clock.set(at + 25_000);
      expect((await b.tick()).claimed).toMatchObject([{ attempt: 2, leaseOwner: 'b' }]);
      // a's template ends after all (a zombie): it cannot record anything any more.
      control.release();
      await a.idle();
      await b.idle();
      await b.flushEvents();
      expect(await survivor.getRun('j', at)).toMatchObject({ state: 'succeeded', attempt: 2 });
      expect(events.of('j').map((e) => [e.instance, e.attempt, e.outcome, e.final])).toEqual([
        ['b', 1, 'lost', false],
        ['b', 2, 'succeeded', true],
      ]);
    } finally {
      await survivor.close();
      await dying.close();
    }
  });
});

describe('waking at the next occurrence, across a DST change', () => {
  it('fires a London 01:30 job on time before, on and after the spring change', async () => {
    const store = await postgresStore(db.url());
    const start = Date.parse('2025-03-28T12:00:00Z');
    const clock = new ManualClock(start);
    const control = new TemplateControl();
    const templates = control.templates();
    const events = new RecordingEvents();
    await store.createJob(
      testJob(templates, { id: 'nightly', every: undefined, cron: '30 1 * * *', tz: 'Europe/London' }, start),
      start,
    );
    const scheduler = testScheduler(store, { clock, templates, events });
    // As the daemon does: tick, then sleep until the next wake-up the tick reported.
    const end = Date.parse('2025-04-01T12:00:00Z');
    let report = await scheduler.tick();
    let ticks = 1;
    while (report.nextWakeAt !== undefined && report.nextWakeAt <= end) {
      clock.set(report.nextWakeAt);
      report = await scheduler.tick();
      await scheduler.idle();
      ticks += 1;
    }
    await scheduler.flushEvents();
    expect(events.of('nightly').map((e) => [new Date(e.scheduled_at).toISOString(), e.delay_ms])).toEqual([
      ['2025-03-29T01:30:00.000Z', 0],
      ['2025-03-30T01:30:00.000Z', 0],
      ['2025-03-31T00:30:00.000Z', 0],
      ['2025-04-01T00:30:00.000Z', 0],
    ]);
    // Woken at each occurrence and at each attempt's timeout deadline (1 h later), not polled.
    expect(ticks).toBeLessThanOrEqual(1 + 2 * 4);
  });
});
