/**
 * Data sources: freshness and staleness per source, ingest runs and their failures. The connectors'
 * schema drift and expectation violations come with the connectors' tables.
 */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS, SOURCE } from '../variables.ts';

const FILTER = `${matches('env', 'env')} AND ${matches('source', 'source')}`;
const INGEST_FILTER = `${matches('env', 'env')} AND ${matches('ingest', 'source')}`;

export function dataSources(): DashboardSpec {
  return {
    uid: 'tradewatch-data-sources',
    title: 'tradewatch: Data sources',
    description: 'Freshness and staleness per source, ingest runs, failures and data lag.',
    tags: ['tradewatch'],
    from: 'now-24h',
    variables: [NS, ENV, SOURCE],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Freshness',
        panels: [
          {
            title: 'Staleness',
            description:
              'Time since each source was last seen, at its freshness events (worst of each interval).',
            visualisation: 'timeseries',
            unit: 'ms',
            sql: sql(
              'SELECT ts AS time, source, max(staleness_ms) AS staleness',
              `FROM ${table('freshness')}`,
              `WHERE $__timeFilter(ts) AND staleness_ms IS NOT NULL AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Sources now',
            description: "Each source's latest freshness event at the end of the range.",
            visualisation: 'table',
            sql: sql(
              "SELECT topic, source, env, event, event NOT IN ('forgotten', 'unwatched', 'retired') AND due_at <= ts AS overdue,",
              '  last_seen, due_at, staleness_ms, cadence_ms, records',
              `FROM ${table('freshness')}`,
              `WHERE ts <= $__toTime AND ${FILTER}`,
              'LATEST ON ts PARTITION BY topic, source, env',
            ),
          },
        ],
      },
      {
        title: 'Ingests',
        panels: [
          {
            title: 'Ingest failures',
            description: 'Failed runs of each interval per ingest, and the longest run of failures in a row.',
            visualisation: 'timeseries',
            bars: true,
            width: 8,
            sql: sql(
              'SELECT ts AS time, ingest, sum(CASE WHEN failed THEN 1 ELSE 0 END) AS failed_runs,',
              '  max(consecutive_failures) AS in_a_row',
              `FROM ${table('ingest_runs')}`,
              `WHERE $__timeFilter(ts) AND ${INGEST_FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Ingest data lag',
            description: 'finished_at minus data_until of each run (how old the newest data was).',
            visualisation: 'timeseries',
            unit: 'ms',
            width: 8,
            sql: sql(
              'SELECT ts AS time, ingest, max(data_lag_ms) AS data_lag',
              `FROM ${table('ingest_runs')}`,
              `WHERE $__timeFilter(ts) AND data_lag_ms IS NOT NULL AND ${INGEST_FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Ingest rows',
            description: 'Rows ingested per interval.',
            visualisation: 'timeseries',
            bars: true,
            width: 8,
            sql: sql(
              'SELECT ts AS time, ingest, sum(rows) AS rows',
              `FROM ${table('ingest_runs')}`,
              `WHERE $__timeFilter(ts) AND ${INGEST_FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Latest ingest runs',
            description: 'The last 100 runs, newest first.',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts AS finished_at, ingest, env, run_id, status, consecutive_failures, rows, duration_ms, data_lag_ms, error',
              `FROM ${table('ingest_runs')}`,
              `WHERE $__timeFilter(ts) AND ${INGEST_FILTER}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
    ],
  };
}
