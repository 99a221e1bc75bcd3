/** The annotations every dashboard shows: alert state changes from the `alerts` table. */
import type { AnnotationSpec } from './model.ts';
import { matches, sql, table } from './sql.ts';

export const ALERT_ANNOTATIONS: AnnotationSpec = {
  name: 'Alerts',
  color: 'red',
  sql: sql(
    "SELECT ts AS time, ends_at AS timeEnd, concat(rule, ' ', status, ': ', summary) AS text,",
    "  concat(severity, ',', status, ',', rule) AS tags",
    `FROM ${table('alerts')}`,
    `WHERE $__timeFilter(ts) AND ${matches('env', 'env')}`,
    'ORDER BY time',
  ),
};
