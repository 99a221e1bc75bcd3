/**
 * The rows of backtest results (for Grafana), in the tables of sinks/questdb/backtest-tables.ts: one row
 * per run, per period, and per period and K. Keyed by (id, version), so writing a run again writes the
 * same rows.
 */
import type { SinkRow } from '../processors/contract.ts';
import { BACKTEST_TABLES, METRIC_COLUMNS } from '../sinks/questdb/backtest-tables.ts';
import type { BacktestResult } from './result.ts';

export { BACKTEST_TABLES };

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
