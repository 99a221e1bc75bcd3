/**
 * Run events end to end on the real Kafka and QuestDB: a failed run and a succeeded run of the
 * scheduler leave a JobRun record each on `jobs.runs`, a `job_runs` row each, and the metric points
 * the default rules alert on (`job_run_failed` 1 then 0, `job_run_delay_ms`).
 */
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { SchedulerOutputs } from '../../scheduler/outputs.ts';
import { OutputsRunEventSink, runEventMetrics } from '../../scheduler/run-events.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { physicalName } from '../../topics/index.ts';
import { testKafka, withTestTopics } from '../helpers/kafka.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { MINUTE, T0, TemplateControl, jsonFileStore, testJob } from './helpers.ts';

let sink: QuestDbSink;
beforeAll(async () => {
  sink = await QuestDbSink.create({ httpUrl: inject('services').questdbHttpUrl, logger: silentLogger() });
});
afterAll(async () => {
  await sink.close();
});

describe('run events', () => {
  it('go to jobs.runs, the job_runs table and the metrics the rules watch', async () => {
    const prefix = await withTestTopics('runs');
    const outputs = new SchedulerOutputs({
      kafka: testKafka(),
      registry: await SchemaRegistry.load(),
      questdb: sink,
      topicPrefix: prefix,
      transactionalId: uniqueName('tw-test-runs'),
      logger: silentLogger(),
    });
    onTestFinished(() => outputs.close());
    const store = await jsonFileStore();
    const control = new TemplateControl();
    control.failFirst = 1;
    const templates = control.templates();
    const clock = new ManualClock(T0);
    const scheduler = new Scheduler({
      store,
      templates,
      events: new OutputsRunEventSink(outputs),
      outputs,
      clock,
      logger: silentLogger(),
      instanceId: 'ev',
    });
    const job = uniqueName('ev');
    await store.createJob(
      testJob(templates, { id: job, template: 'test-fail', every: '10m', env: 'staging' }),
      T0,
    );
    // 00:10 fails (no retries): final failure. 00:20 starts 30 s late and succeeds.
    clock.set(T0 + 10 * MINUTE);
    await scheduler.tick();
    await scheduler.idle();
    control.failFirst = 0;
    clock.set(T0 + 20 * MINUTE + 30_000);
    await scheduler.tick();
    await scheduler.idle();
    await scheduler.flushEvents();

    const runs = (await readTopic(physicalName('jobs.runs', prefix), 'JobRun')).filter((r) => r.job === job);
    expect(runs.map((r) => [r.scheduled_at - T0, r.outcome, r.final, r.error, r.delay_ms, r.env])).toEqual([
      [10 * MINUTE, 'failed', true, 'TW_INTERNAL: failure 1 (test)', 0, 'staging'],
      [20 * MINUTE, 'succeeded', true, null, 30_000, 'staging'],
    ]);
    await sink.waitForRows('job_runs', `job = '${job}'`, 2);
    const rows = (
      await sink.query(
        `SELECT outcome, attempt, final, delay_ms, trigger, instance FROM job_runs WHERE job = '${job}' ORDER BY ts`,
      )
    ).rows;
    expect(rows).toEqual([
      { outcome: 'failed', attempt: 1, final: true, delay_ms: 0, trigger: 'schedule', instance: 'ev' },
      {
        outcome: 'succeeded',
        attempt: 1,
        final: true,
        delay_ms: 30_000,
        trigger: 'schedule',
        instance: 'ev',
      },
    ]);
    const metrics = (await readTopic(physicalName('metrics', prefix), 'Metric')).filter(
      (m) => m.labels['job'] === job,
    );
    // Series land on different partitions: compare in a fixed order.
    expect(metrics.map((m) => [m.name, m.value, m.labels['env'], m.labels['template']]).sort()).toEqual([
      ['job_run_delay_ms', 0, 'staging', 'test-fail'],
      ['job_run_delay_ms', 30_000, 'staging', 'test-fail'],
      ['job_run_failed', 0, 'staging', 'test-fail'],
      ['job_run_failed', 1, 'staging', 'test-fail'],
    ]);
  });

  it('emit no failure point for a retry that follows, nor for a skip; no lateness for a backfill', () => {
    const base = runsSample();
    expect(
      runEventMetrics({ ...base, trigger: 'backfill', delay_ms: 86_400_000 }).map((m) => m.name),
    ).toEqual(['job_run_failed']);
    expect(
      runEventMetrics({ ...base, attempt: 2, outcome: 'failed', final: false }).map((m) => m.name),
    ).toEqual([]);
    expect(runEventMetrics({ ...base, attempt: 0, outcome: 'skipped', delay_ms: 3_600_000 })).toEqual([
      {
        name: 'job_run_delay_ms',
        labels: { job: 'j', template: 't', env: 'prod' },
        value: 3_600_000,
        ts: T0,
      },
    ]);
  });
});

function runsSample() {
  return {
    job: 'j',
    template: 't',
    env: 'prod',
    scheduled_at: T0,
    trigger: 'schedule',
    attempt: 1,
    max_attempts: 3,
    instance: 'a',
    started_at: null,
    finished_at: T0,
    outcome: 'succeeded',
    final: true,
    next_attempt_at: null,
    error: null,
    duration_ms: null,
    delay_ms: 0,
    summary: {},
  } as const;
}
