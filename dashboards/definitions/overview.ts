/**
 * Overview: what is firing, the processors' lag and last commit, the instances, dead letters and late
 * records, stale sources and scheduler failures, at a glance.
 */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS } from '../variables.ts';

const FAILED_OUTCOMES = "outcome IN ('failed', 'timed_out', 'lost')";

/** Each owned partition's latest progress row of each interval (the reports come every TW_PROGRESS_INTERVAL_MS). */
const PARTITION_LAG = sql(
  '  SELECT ts, processor, topic, input_partition, last(lag) AS lag',
  `  FROM ${table('processor_progress')}`,
  '  WHERE $__timeFilter(ts)',
  '  SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
);

/** Records sent to one side output (`dlq` or `late`) per interval, by `series` (text columns). */
const sideOutput = (output: 'dlq' | 'late', series: string, count: string): string =>
  sql(
    `SELECT ts AS time, ${series}, count() AS ${count}`,
    `FROM ${table('dead_letters')}`,
    `WHERE $__timeFilter(ts) AND output = '${output}'`,
    'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
    'ORDER BY time',
  );

export function overview(): DashboardSpec {
  return {
    uid: 'tradewatch-overview',
    title: 'tradewatch: Overview',
    description:
      'Firing alerts, processors’ lag and last commit, instances, dead letters and late records, stale sources and scheduler failures of one environment.',
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
        title: 'Processors',
        panels: [
          {
            title: 'Consumer lag by processor',
            description:
              'Records each processor’s consumer group has not committed yet, summed over the input partitions (each the latest report of the interval), from the progress reports of `tradewatch run` (`processor_progress`, every TW_PROGRESS_INTERVAL_MS).',
            visualisation: 'timeseries',
            width: 12,
            sql: sql(
              'SELECT ts AS time, processor, sum(lag) AS lag',
              `FROM (${PARTITION_LAG.trimStart()})`,
              'ORDER BY time',
            ),
          },
          {
            title: 'Last commit age',
            description:
              'Per processor and input topic, at its latest report in the range: the lag, the instances reporting, when the group last committed and how long before the report that was. A caught-up processor with nothing to read commits nothing: a growing age with lag 0 is idle, with lag above 0 stuck.',
            visualisation: 'table',
            width: 12,
            sql: sql(
              'SELECT processor, topic, count() AS partitions, count_distinct(instance) AS instances, sum(lag) AS lag,',
              '  max(last_commit_at) AS last_commit_at, min(commit_age_ms) AS commit_age_ms, max(ts) AS reported_at',
              `FROM (SELECT * FROM ${table('processor_progress')}`,
              '  WHERE $__timeFilter(ts)',
              '  LATEST ON ts PARTITION BY processor, topic, input_partition)',
              'GROUP BY processor, topic',
              'ORDER BY processor, topic',
            ),
          },
        ],
      },
      {
        title: 'Dead letters and late records',
        panels: [
          {
            title: 'Dead letters by source and code',
            description:
              'Records sent to `dlq` (undecodable or invalid), by the topic they were read from and the error code, at the time they failed (`dead_letters`, written by the `dead-letters` recorder of `tradewatch run`; `tradewatch dlq list` shows each one).',
            visualisation: 'timeseries',
            bars: true,
            stacked: true,
            width: 8,
            sql: sideOutput('dlq', 'source_topic, code', 'dead_letters'),
          },
          {
            title: 'Late records by source',
            description:
              'Records sent to `late` (later than their window’s or cycle’s grace), by the topic they were read from and the processor that found them late.',
            visualisation: 'timeseries',
            bars: true,
            stacked: true,
            width: 8,
            sql: sideOutput('late', 'source_topic, failed_by', 'late_records'),
          },
          {
            title: 'Dead letters and late records',
            description:
              'Per side output, source topic, error code and processor: how many in the range, and the last one.',
            visualisation: 'table',
            width: 8,
            sql: sql(
              'SELECT output, source_topic, code, failed_by, count() AS records, max(ts) AS last_at',
              `FROM ${table('dead_letters')}`,
              'WHERE $__timeFilter(ts)',
              'GROUP BY output, source_topic, code, failed_by',
              'ORDER BY last_at DESC',
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
