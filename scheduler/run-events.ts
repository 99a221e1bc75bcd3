/**
 * Run events: every JobRun leaves the outbox as a record on `jobs.runs` (key: the job), a row of the
 * QuestDB table `job_runs`, and metric points on `metrics` that the default alert rules watch:
 * - `job_run_failed{job,template,env}`: on a final outcome other than skipped, 1 when the run did not
 *   succeed (failed, timed_out, lost after its last attempt), 0 when it did (so an alert resolves);
 * - `job_run_delay_ms{job,template,env}`: for runs of the schedule (not manual runs or backfills), how
 *   late the first attempt started after its scheduled time, or how late a skipped occurrence was
 *   handled (a misfire after downtime).
 * Points carry the event's finished_at as their time.
 */
import type { SinkRow } from '../processors/contract.ts';
import type { JobRun, Metric } from '../schemas/index.ts';
import type { SchedulerOutputs } from './outputs.ts';

/** Where the scheduler's outbox is delivered. */
export interface RunEventSink {
  /** Delivers every event or throws (the events stay in the outbox and are delivered again). */
  publish(events: readonly JobRun[]): Promise<void>;
}

/** The `job_runs` row of an event (ts = the scheduled time; keys job and attempt). */
export function runEventRow(event: JobRun): SinkRow {
  return {
    table: 'job_runs',
    ts: event.scheduled_at,
    symbols: {
      job: event.job,
      template: event.template,
      env: event.env,
      trigger: event.trigger,
      outcome: event.outcome,
      instance: event.instance,
    },
    columns: {
      attempt: event.attempt,
      final: event.final,
      started_at: event.started_at,
      finished_at: event.finished_at,
      duration_ms: event.duration_ms,
      delay_ms: event.delay_ms,
      error: event.error,
      summary: JSON.stringify(event.summary),
    },
  };
}

/** The metric points of an event (see the file comment). */
export function runEventMetrics(event: JobRun): Metric[] {
  const labels = { job: event.job, template: event.template, env: event.env };
  const points: Metric[] = [];
  // Lateness is about the schedule: a backfill or a manual run is late by design.
  if (event.attempt <= 1 && event.trigger === 'schedule') {
    points.push({ name: 'job_run_delay_ms', labels, value: event.delay_ms, ts: event.finished_at });
  }
  if (event.final && event.outcome !== 'skipped') {
    points.push({
      name: 'job_run_failed',
      labels,
      value: event.outcome === 'succeeded' ? 0 : 1,
      ts: event.finished_at,
    });
  }
  return points;
}

/** Delivers run events to Kafka (`jobs.runs`, `metrics`) and QuestDB (`job_runs`). */
export class OutputsRunEventSink implements RunEventSink {
  readonly #outputs: SchedulerOutputs;

  constructor(outputs: SchedulerOutputs) {
    this.#outputs = outputs;
  }

  async publish(events: readonly JobRun[]): Promise<void> {
    if (events.length === 0) return;
    await this.#outputs.writeRows(events.map(runEventRow));
    await this.#outputs.records('jobs.runs', events as unknown as Record<string, unknown>[]);
    await this.#outputs.metrics(events.flatMap(runEventMetrics));
  }
}
