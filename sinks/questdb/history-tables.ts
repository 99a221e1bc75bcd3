/**
 * The history a backtest reads (backtest/history.ts), point in time: every cycle, prediction, outcome
 * and signal with its event time (`ts`) and the time it became known (`ingested_at`, the Kafka record's
 * timestamp). Written by the `history` processor (processors/history). Outcomes and signals keep every
 * revision (ingested_at is a key), so a backtest at t sees the value known at t.
 */
import type { ColumnDefinition, TableDefinition } from './tables.ts';

const sym = (name: string, doc?: string): ColumnDefinition => ({ name, type: 'SYMBOL', doc });
const INGESTED_AT: ColumnDefinition = {
  name: 'ingested_at',
  type: 'TIMESTAMP',
  doc: 'when the row became known: the Kafka record timestamp',
};

export const HISTORY_TABLES: readonly TableDefinition[] = [
  {
    name: 'history_cycles',
    doc: 'Every inference cycle (ts = its as_of), as known at ingested_at.',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('cycle_id'),
      sym('status', 'success or failure'),
      sym('model_version'),
      { name: 'weights_version', type: 'VARCHAR' },
      { name: 'horizon_ms', type: 'LONG' },
      { name: 'predictions', type: 'LONG', doc: 'how many predictions the cycle made' },
      INGESTED_AT,
    ],
    keys: ['strategy', 'env', 'cycle_id'],
  },
  {
    name: 'history_predictions',
    doc: 'Every prediction of every cycle (ts = the cycle’s as_of).',
    columns: [
      sym('strategy'),
      sym('env'),
      sym('cycle_id'),
      sym('asset'),
      sym('model_version'),
      { name: 'weights_version', type: 'VARCHAR' },
      { name: 'horizon_ms', type: 'LONG' },
      { name: 'score', type: 'DOUBLE' },
      { name: 'rank', type: 'INT' },
      INGESTED_AT,
    ],
    keys: ['strategy', 'env', 'cycle_id', 'asset'],
  },
  {
    name: 'history_outcomes',
    doc: 'Every outcome (ts = its as_of), each revision kept (keyed by ingested_at).',
    columns: [
      sym('asset'),
      { name: 'horizon_ms', type: 'LONG' },
      { name: 'forward_return', type: 'DOUBLE' },
      INGESTED_AT,
    ],
    keys: ['asset', 'horizon_ms', 'ingested_at'],
  },
  {
    name: 'history_signals',
    doc: 'Every signal value (ts = its event time), each revision kept (keyed by ingested_at).',
    columns: [
      sym('source'),
      sym('name'),
      sym('asset'),
      { name: 'value', type: 'DOUBLE' },
      { name: 'unit', type: 'VARCHAR' },
      { name: 'labels', type: 'VARCHAR', doc: 'labels as a JSON object (sorted keys)' },
      INGESTED_AT,
      {
        name: 'flags',
        type: 'VARCHAR',
        doc: 'data-quality flags the connector set (comma-separated, e.g. expectation:non_negative); null when none',
      },
    ],
    keys: ['source', 'name', 'asset', 'labels', 'ingested_at'],
  },
];
