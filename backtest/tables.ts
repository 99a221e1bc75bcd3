/**
 * The QuestDB tables of backtest results (for Grafana): one row per run, per period, and per period and
 * K. Keyed by (id, version), so writing a run again writes the same rows.
 */
import type { SinkRow } from '../processors/contract.ts';
import type { ColumnDefinition, TableDefinition } from '../sinks/questdb/tables.ts';
import type { BacktestResult } from './result.ts';

const dbl = (name: string): ColumnDefinition => ({ name, type: 'DOUBLE' });
const sym = (name: string): ColumnDefinition => ({ name, type: 'SYMBOL' });

const METRIC_COLUMNS = [
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

/** The rows of a result (logical table names). */
export function backtestRows(result: BacktestResult, from: number, strategy: string, env: string): SinkRow[] {
  const { manifest, metrics } = result;
  const key = { id: manifest.id, version: manifest.version };
  const rows: SinkRow[] = [
    {
      table: 'backtest_runs',
      ts: from,
      symbols: { ...key, strategy, env },
      columns: {
        ...Object.fromEntries(METRIC_COLUMNS.map((m) => [m, metrics[m]])),
        periods: metrics.periods,
        unlabeled_positions: metrics.unlabeled_positions,
        per_k: JSON.stringify({
          precision_at_k: metrics.precision_at_k,
          recall_at_k: metrics.recall_at_k,
          ndcg_at_k: metrics.ndcg_at_k,
        }),
        config_digest: manifest.configDigest,
      },
    },
  ];
  for (const p of result.periods) {
    rows.push({
      table: 'backtest_periods',
      ts: p.t,
      symbols: key,
      columns: {
        gross_return: p.grossReturn,
        cost: p.cost,
        return: p.return,
        turnover: p.turnover,
        equity: p.equity,
        drawdown: p.drawdown,
        candidates: p.candidates,
        unlabeled: p.unlabeled,
        ic: p.ic,
        weights: JSON.stringify(p.weights),
      },
    });
    for (const k of Object.keys(p.precisionAtK)) {
      rows.push({
        table: 'backtest_period_scores',
        ts: p.t,
        symbols: { ...key, k },
        columns: {
          precision_at_k: p.precisionAtK[k] ?? null,
          recall_at_k: p.recallAtK[k] ?? null,
          ndcg_at_k: p.ndcgAtK[k] ?? null,
        },
      });
    }
  }
  return rows;
}
