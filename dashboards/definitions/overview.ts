/** Overview: what is firing, the instances, stale sources and scheduler failures, at a glance. */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS } from '../variables.ts';

const FAILED_OUTCOMES = "outcome IN ('failed', 'timed_out', 'lost')";

export function overview(): DashboardSpec {
  return {
    uid: 'tradewatch-overview',
    title: 'tradewatch: Overview',
    description: 'Firing alerts, instances, stale sources and scheduler failures of one environment.',
    tags: ['tradewatch'],
    from: 'now-24h',
    variables: [NS, ENV],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Alerts',
        panels: [
          {
            title: 'Firing alerts by severity',
            description: 'Alerts whose latest state change at the end of the range is `firing`.',
            visualisation: 'stat',
            width: 8,
            sql: sql(
              'SELECT severity, count() AS firing',
              `FROM (SELECT * FROM ${table('alerts')}`,
              `  WHERE ts <= $__toTime AND ${matches('env', 'env')}`,
              '  LATEST ON ts PARTITION BY fingerprint)',
              "WHERE status = 'firing'",
              'GROUP BY severity ORDER BY severity',
            ),
            thresholds: [{ value: 1, color: 'red', from: 'any firing alert' }],
          },
          {
            title: 'Alerts fired',
            description: 'Alerts that started firing, by severity.',
            visualisation: 'timeseries',
            bars: true,
            stacked: true,
            width: 16,
            sql: sql(
              'SELECT ts AS time, severity, count() AS fired',
              `FROM ${table('alerts')}`,
              `WHERE $__timeFilter(ts) AND status = 'firing' AND ${matches('env', 'env')}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Latest alert changes',
            description: 'The last 100 alert state changes in the range, newest first.',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts, rule, severity, status, env, summary, value, threshold',
              `FROM ${table('alerts')}`,
              `WHERE $__timeFilter(ts) AND ${matches('env', 'env')}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
      {
        title: 'Instances and sources',
        panels: [
          {
            title: 'Instances',
            description:
              'Every `tradewatch run` instance by its heartbeats: its latest freshness event, and whether it is overdue (no heartbeat by `due_at`; `retired` after a graceful stop).',
            visualisation: 'table',
            width: 12,
            sql: sql(
              "SELECT source AS instance, env, event, last_seen, event != 'retired' AND due_at <= ts AS overdue,",
              '  staleness_ms',
              `FROM ${table('freshness')}`,
              `WHERE ts <= $__toTime AND topic = 'heartbeats' AND ${matches('env', 'env')}`,
              'LATEST ON ts PARTITION BY source, env',
            ),
          },
          {
            title: 'Stale sources',
            description:
              'Sources (ingests, strategies, instances...) overdue at their latest freshness event: nothing arrived by `due_at`.',
            visualisation: 'stat',
            width: 4,
            sql: sql(
              'SELECT count() AS stale',
              `FROM (SELECT * FROM ${table('freshness')}`,
              `  WHERE ts <= $__toTime AND ${matches('env', 'env')}`,
              '  LATEST ON ts PARTITION BY topic, source, env)',
              "WHERE due_at <= ts AND event NOT IN ('forgotten', 'unwatched', 'retired')",
            ),
            thresholds: [{ value: 1, color: 'red', from: 'any stale source' }],
          },
          {
            title: 'Scheduler failures',
            description: 'Job attempts that failed, timed out or were lost, per job.',
            visualisation: 'timeseries',
            bars: true,
            width: 8,
            sql: sql(
              'SELECT ts AS time, job, count() AS failures',
              `FROM ${table('job_runs')}`,
              `WHERE $__timeFilter(ts) AND ${FAILED_OUTCOMES} AND ${matches('env', 'env')}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
        ],
      },
    ],
  };
}
