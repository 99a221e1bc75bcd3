/** Scheduler: job runs by outcome, failures, durations and start delays, the latest run of each job. */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS } from '../variables.ts';

const FILTER = matches('env', 'env');

export function scheduler(): DashboardSpec {
  return {
    uid: 'tradewatch-scheduler',
    title: 'tradewatch: Scheduler',
    description:
      'Job runs (the `jobs.runs` topic as the `job_runs` table): outcomes, failures, durations, delays.',
    tags: ['tradewatch'],
    from: 'now-7d',
    variables: [NS, ENV],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Runs',
        panels: [
          {
            title: 'Runs by outcome',
            description: 'Attempts and skipped occurrences per interval (by scheduled time).',
            visualisation: 'timeseries',
            bars: true,
            stacked: true,
            sql: sql(
              'SELECT ts AS time, outcome, count() AS runs',
              `FROM ${table('job_runs')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Latest run of each job',
            description: 'The last attempt or skip of every job at the end of the range.',
            visualisation: 'table',
            sql: sql(
              'SELECT job, template, ts AS scheduled, outcome, attempt, final, finished_at, duration_ms, error',
              `FROM ${table('job_runs')}`,
              `WHERE ts <= $__toTime AND ${FILTER}`,
              'LATEST ON ts PARTITION BY job',
            ),
          },
          {
            title: 'Duration',
            description: 'The longest attempt of each job per interval.',
            visualisation: 'timeseries',
            unit: 'ms',
            sql: sql(
              'SELECT ts AS time, job, max(duration_ms) AS duration',
              `FROM ${table('job_runs')}`,
              `WHERE $__timeFilter(ts) AND duration_ms IS NOT NULL AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Start delay',
            description: 'Start (or skip decision) minus the scheduled time, the worst of each interval.',
            visualisation: 'timeseries',
            unit: 'ms',
            sql: sql(
              'SELECT ts AS time, job, max(delay_ms) AS delay',
              `FROM ${table('job_runs')}`,
              `WHERE $__timeFilter(ts) AND delay_ms IS NOT NULL AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Failed attempts',
            description: 'Attempts that failed, timed out or were lost, newest first.',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts AS scheduled, job, template, attempt, outcome, final, instance, error',
              `FROM ${table('job_runs')}`,
              `WHERE $__timeFilter(ts) AND outcome IN ('failed', 'timed_out', 'lost') AND ${FILTER}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
    ],
  };
}
