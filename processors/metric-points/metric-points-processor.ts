/**
 * The metric-points processor: writes every point of the `metrics` topic to the `metrics` table, so that
 * every series lands in QuestDB, those of processors and those published from outside the runtime
 * alike (the connectors' data-quality metrics, the scheduler's job metrics). It only writes rows: no
 * state (one null state per input partition), no metric, no alert. A replay writes the same rows again
 * (the table deduplicates on ts, name and series).
 */
import type { Processor, RecordSource } from '../contract.ts';
import type { Metric } from '../../schemas/index.ts';
import { seriesKey } from '../../topics/index.ts';

/** `labels` as JSON with sorted keys (one text per set of labels). */
const labelsJson = (labels: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

export function createMetricPointsProcessor(): Processor<Metric, null> {
  return {
    name: 'metric-points',
    inputs: [{ topic: 'metrics', type: 'Metric' }],
    // One null state per partition: nothing to keep, and a changelog record per partition per batch.
    key: (_record, source: RecordSource) => `metrics|${source.partition}`,
    initialState: () => null,
    process(metric, _state, context) {
      context.emit({
        kind: 'row',
        row: {
          table: 'metrics',
          ts: metric.ts,
          symbols: { name: metric.name, series: seriesKey(metric.name, metric.labels) },
          // QuestDB stores no NaN or infinity: such a point is kept, its value empty.
          columns: {
            labels: labelsJson(metric.labels),
            value: Number.isFinite(metric.value) ? metric.value : null,
          },
        },
      });
      return null;
    },
  };
}
