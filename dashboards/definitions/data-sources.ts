/**
 * Data sources: freshness and staleness per source, ingest runs and their failures, and the connectors'
 * data quality (schema drift, expectation violations, quarantined payloads, data age, volume), from
 * their metric points in the `metrics` table (written by the `metric-points` processor).
 */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { labelMatches, matches, sql, table } from '../sql.ts';
import { ENV, NS, SOURCE } from '../variables.ts';

const FILTER = `${matches('env', 'env')} AND ${matches('source', 'source')}`;
const INGEST_FILTER = `${matches('env', 'env')} AND ${matches('ingest', 'source')}`;

/** A label of a metric point (its `labels` JSON). */
const label = (name: string): string => `json_extract(labels, '$.${name}')`;
/** The points of connector metric `name` in the range; a connector is the freshness source `connector-<name>`. */
const connectorPoints = (name: string): string =>
  `WHERE $__timeFilter(ts) AND name = '${name}' AND ${labelMatches('labels', 'env', 'env')}` +
  ` AND $__conditionalAll('connector-' || ${label('connector')} = '\${source}', $source)`;

export function dataSources(): DashboardSpec {
  return {
    uid: 'tradewatch-data-sources',
    title: 'tradewatch: Data sources',
    description:
      'Freshness and staleness per source, ingest runs, failures and data lag, and the connectors’ data quality.',
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
      {
        title: 'Connectors',
        panels: [
          {
            title: 'Schema drift',
            description:
              'Fields new, missing or retyped in a provider’s payloads, per connector and endpoint (`schema_drift`; 0 on the next clean run).',
            visualisation: 'timeseries',
            bars: true,
            width: 12,
            sql: sql(
              `SELECT ts AS time, ${label('connector')} AS connector, ${label('endpoint')} AS endpoint, max(value) AS drifted_fields`,
              `FROM ${table('metrics')}`,
              connectorPoints('schema_drift'),
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Expectation violations',
            description:
              'Values that broke an expectation per connector, signal and check, per run (`expectation_violations`; the values are published, flagged).',
            visualisation: 'timeseries',
            bars: true,
            width: 12,
            sql: sql(
              `SELECT ts AS time, ${label('connector')} AS connector, ${label('signal')} AS signal, ${label('check')} AS check,`,
              '  sum(value) AS violations',
              `FROM ${table('metrics')}`,
              connectorPoints('expectation_violations'),
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Expectations now',
            description:
              'Each connector’s expectations at their latest run in the range: values broken and whether the check failed (their share above `tolerate`).',
            visualisation: 'table',
            width: 24,
            sql: sql(
              `SELECT ${label('connector')} AS connector, ${label('signal')} AS signal, ${label('check')} AS check,`,
              `  ${label('env')} AS env, ts AS last_run, value AS failed`,
              `FROM ${table('metrics')}`,
              connectorPoints('expectation_failed'),
              'LATEST ON ts PARTITION BY series',
              'ORDER BY connector, signal, check',
            ),
          },
          {
            title: 'Quarantined payloads',
            description:
              'Payloads a connector’s normalizer could not read, per run (`connector_quarantined_payloads`).',
            visualisation: 'timeseries',
            bars: true,
            width: 8,
            sql: sql(
              `SELECT ts AS time, ${label('connector')} AS connector, sum(value) AS quarantined`,
              `FROM ${table('metrics')}`,
              connectorPoints('connector_quarantined_payloads'),
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Connector data age',
            description:
              'Run end minus the newest event time a connector published (`connector_data_age_ms`): how old its freshest data was.',
            visualisation: 'timeseries',
            unit: 'ms',
            width: 8,
            sql: sql(
              `SELECT ts AS time, ${label('connector')} AS connector, max(value) AS data_age`,
              `FROM ${table('metrics')}`,
              connectorPoints('connector_data_age_ms'),
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Connector volume z-score',
            description:
              'Rows of each run against the connector’s last 20 runs (`connector_volume_zscore`, from the fourth run on).',
            visualisation: 'timeseries',
            width: 8,
            sql: sql(
              `SELECT ts AS time, ${label('connector')} AS connector, last(value) AS volume_z`,
              `FROM ${table('metrics')}`,
              connectorPoints('connector_volume_zscore'),
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
        ],
      },
    ],
  };
}
