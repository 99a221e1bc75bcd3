/**
 * The scheduler: jobs (a template, its parameters, a schedule, policies) stored in Postgres or one JSON
 * file, their occurrences turned into runs claimed once across any number of instances, and run
 * events on `jobs.runs` and in QuestDB. See scheduler/README.md.
 */
export { Scheduler, MAX_BACKFILL, type SchedulerOptions, type TickReport } from './scheduler.ts';
export { runDaemon, type DaemonOptions } from './daemon.ts';
export {
  defineJob,
  jobInvalid,
  parseTime,
  JOB_DEFAULTS,
  MAX_MISFIRE_CAP,
  TIME_FORMS,
  type JobInput,
} from './job-definition.ts';
export {
  describeSchedule,
  nextOccurrence,
  occurrencesBetween,
  cronProblems,
  CRON_FORMS,
} from './occurrences.ts';
export { backoffMs, planOccurrences, type OccurrencePlan } from './policies.ts';
export { PostgresJobStore, type PostgresJobStoreOptions } from './postgres-store.ts';
export { JsonFileJobStore, type JsonFileJobStoreOptions } from './json-file-store.ts';
export { SCHEDULER_MIGRATIONS } from './migrations.ts';
export { openJobStore } from './open-store.ts';
export { SchedulerOutputs, type SchedulerOutputsOptions } from './outputs.ts';
export { OutputsRunEventSink, runEventMetrics, runEventRow, type RunEventSink } from './run-events.ts';
export { TEMPLATES, describeParams, parseParams } from './templates/index.ts';
export type { JobTemplate, TemplateContext, TemplateRegistry, TemplateSummary } from './templates/index.ts';
export type { JobStore, JobTransaction, LockMode } from './store.ts';
export * from './types.ts';
