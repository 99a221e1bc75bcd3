/**
 * The QuestDB tables of backtest results (for Grafana's Backtests dashboard): one row per run, per
 * period, and per period and K. Keyed by (id, version), so writing a run again writes the same rows.
 * Written by backtest/ (`backtestRows`, backtest/tables.ts) when a run is published; declared here, below
 * backtest/ and dashboards/, which both name them. Not in TABLES: a pipeline's sinks never write them.
 */
import type { ColumnDefinition, TableDefinition } from './tables.ts';

const dbl = (name: string): ColumnDefinition => ({ name, type: 'DOUBLE' });
const sym = (name: string): ColumnDefinition => ({ name, type: 'SYMBOL' });

export const METRIC_COLUMNS = [
  'total_return',
  'cagr',
  'volatility',
  'sharpe',
  'sortino',
  'max_drawdown',
  'calmar',
  'hit_rate',
  'turnover',
  'rank_ic',
  'ic_ir',
] as const;

export const BACKTEST_TABLES: readonly TableDefinition[] = [
  {
    name: 'backtest_runs',
    doc: 'One backtest run (ts = its from): its summary metrics (per-K ones as JSON).',
    columns: [
      sym('id'),
      sym('version'),
      sym('strategy'),
      sym('env'),
      ...METRIC_COLUMNS.map(dbl),
      { name: 'periods', type: 'LONG' },
      { name: 'unlabeled_positions', type: 'LONG' },
      { name: 'per_k', type: 'VARCHAR', doc: 'precision_at_k, recall_at_k, ndcg_at_k as JSON' },
      { name: 'config_digest', type: 'VARCHAR' },
    ],
    keys: ['id', 'version'],
  },
  {
    name: 'backtest_periods',
    doc: 'One holding period of a backtest run (ts = the rebalance time).',
    columns: [
      sym('id'),
      sym('version'),
      dbl('gross_return'),
      dbl('cost'),
      dbl('return'),
      dbl('turnover'),
      dbl('equity'),
      dbl('drawdown'),
      { name: 'candidates', type: 'LONG' },
      { name: 'unlabeled', type: 'LONG' },
      dbl('ic'),
      { name: 'weights', type: 'VARCHAR', doc: 'weights as JSON' },
    ],
    keys: ['id', 'version'],
  },
  {
    name: 'backtest_period_scores',
    doc: 'Precision, recall and nDCG at K of the combined ranking at one rebalance of a run.',
    columns: [
      sym('id'),
      sym('version'),
      sym('k'),
      dbl('precision_at_k'),
      dbl('recall_at_k'),
      dbl('ndcg_at_k'),
    ],
    keys: ['id', 'version', 'k'],
  },
];
