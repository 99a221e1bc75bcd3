/**
 * The metric-points processor on the virtual runner: one `metrics` row per point, keyed by its series
 * (the topic's Kafka key), labels as sorted JSON, a NaN kept with an empty value; the rows pass the
 * QuestDB sink's checks against the catalogue.
 */
import { describe, expect, it } from 'vitest';
import { createMetricPointsProcessor } from '../../../processors/metric-points/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';
import { checkRow, prepareTable } from '../../../sinks/questdb/row-check.ts';
import { TABLES } from '../../../sinks/questdb/index.ts';

const T0 = Date.UTC(2026, 0, 5, 12);

describe('metric-points', () => {
  it('writes each point as a row of the metrics table', () => {
    const runner = new VirtualRunner(createMetricPointsProcessor());
    runner.push('metrics', {
      name: 'schema_drift',
      labels: { env: 'prod', connector: 'github', endpoint: 'repos/commits', fields: 'stats' },
      value: 1,
      ts: T0,
    });
    runner.push('metrics', {
      name: 'connector_volume_zscore',
      labels: { connector: 'github' },
      value: NaN,
      ts: T0 + 1,
    });
    const rows = runner.rows();
    expect(rows).toEqual([
      {
        table: 'metrics',
        ts: T0,
        symbols: {
          name: 'schema_drift',
          series: 'schema_drift{connector=github,endpoint=repos/commits,env=prod,fields=stats}',
        },
        columns: {
          labels: '{"connector":"github","endpoint":"repos/commits","env":"prod","fields":"stats"}',
          value: 1,
        },
      },
      {
        table: 'metrics',
        ts: T0 + 1,
        symbols: { name: 'connector_volume_zscore', series: 'connector_volume_zscore{connector=github}' },
        columns: { labels: '{"connector":"github"}', value: null },
      },
    ]);
    const metrics = TABLES.find((t) => t.name === 'metrics')!;
    const tables = new Map([['metrics', prepareTable(metrics, 'metrics')]]);
    expect(rows.flatMap((row, i) => checkRow(row, i, tables))).toEqual([]);
  });
});
