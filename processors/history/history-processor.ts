/**
 * The history processor: writes every inference cycle, prediction, outcome and signal to the history
 * tables (sinks/questdb/history-tables.ts), each row with `ingested_at` = the Kafka record's timestamp,
 * so that a backtest can take every input point in time (backtest/history.ts). It only writes rows: no
 * state (one null state per input partition), no metric, no alert. A replay writes the same rows again
 * (the tables deduplicate).
 */
import type { Processor, ProcessContext, RecordSource } from '../contract.ts';
import type { InferenceCycle, Outcome, Signal } from '../../schemas/index.ts';

export type HistoryRecord = InferenceCycle | Outcome | Signal;

/** `labels` as JSON with sorted keys (one text per set of labels). */
const labelsJson = (labels: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

function cycleRows(c: InferenceCycle, ingestedAt: number, context: ProcessContext): void {
  const symbols = { strategy: c.strategy, env: c.env, cycle_id: c.cycle_id, model_version: c.model_version };
  context.emit({
    kind: 'row',
    row: {
      table: 'history_cycles',
      ts: c.as_of,
      symbols: { ...symbols, status: c.status },
      columns: {
        weights_version: c.weights_version,
        horizon_ms: c.horizon_ms,
        predictions: c.predictions.length,
        ingested_at: ingestedAt,
      },
    },
  });
  for (const p of c.predictions) {
    context.emit({
      kind: 'row',
      row: {
        table: 'history_predictions',
        ts: c.as_of,
        symbols: { ...symbols, asset: p.asset },
        columns: {
          weights_version: c.weights_version,
          horizon_ms: c.horizon_ms,
          score: p.score,
          rank: p.rank,
          ingested_at: ingestedAt,
        },
      },
    });
  }
}

export function createHistoryProcessor(): Processor<HistoryRecord, null> {
  return {
    name: 'history',
    inputs: [
      { topic: 'inference.cycles', type: 'InferenceCycle' },
      { topic: 'outcomes', type: 'Outcome' },
      { topic: 'signals', type: 'Signal' },
    ],
    key: (_record, source: RecordSource) => `${source.topic}|${source.partition}`,
    initialState: () => null,
    process(record, _state, context) {
      const ingestedAt = context.source.timestamp;
      switch (context.source.topic) {
        case 'inference.cycles':
          cycleRows(record as InferenceCycle, ingestedAt, context);
          break;
        case 'outcomes': {
          const o = record as Outcome;
          context.emit({
            kind: 'row',
            row: {
              table: 'history_outcomes',
              ts: o.as_of,
              symbols: { asset: o.asset },
              columns: {
                horizon_ms: o.horizon_ms,
                forward_return: o.forward_return,
                ingested_at: ingestedAt,
              },
            },
          });
          break;
        }
        default: {
          const s = record as Signal;
          context.emit({
            kind: 'row',
            row: {
              table: 'history_signals',
              ts: s.ts,
              symbols: { source: s.source, name: s.name, asset: s.asset },
              columns: {
                value: s.value,
                unit: s.unit,
                labels: labelsJson(s.labels),
                ingested_at: ingestedAt,
                // Flagged values are stored too, with their flags (connectors' expectations).
                flags: s.flags.length === 0 ? null : s.flags.join(','),
              },
            },
          });
        }
      }
      return null;
    },
  };
}
