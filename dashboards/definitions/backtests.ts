/**
 * Backtests: the runs with their summary metrics, and per run (a backtest id, its versions) the equity,
 * drawdown, precision@K, rank IC and turnover of each period (the `backtest_*` tables `backtest run`
 * and the workers write).
 */
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec, VariableSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS } from '../variables.ts';

export const BACKTEST: VariableSpec = {
  kind: 'query',
  name: 'backtest',
  label: 'backtest',
  description: 'The backtest id (the config’s `id`) of the charts',
  sql: sql(
    `SELECT DISTINCT id FROM ${table('backtest_runs')}`,
    `WHERE ${matches('env', 'env')}`,
    'ORDER BY id',
  ),
  includeAll: false,
};

export const VERSION: VariableSpec = {
  kind: 'query',
  name: 'version',
  label: 'version',
  description: 'Versions of the backtest (one per config, inputs and code); All draws each',
  sql: sql(
    `SELECT DISTINCT version FROM ${table('backtest_runs')}`,
    "WHERE id = '${backtest}'",
    'ORDER BY version',
  ),
  includeAll: true,
};

const RUN = `id = '\${backtest}' AND ${matches('version', 'version')}`;

/** A time series of the run's periods: `columns` sampled per interval, a series per version. */
function perVersion(columns: string, from = 'backtest_periods'): string {
  return sql(
    `SELECT ts AS time, version, ${columns}`,
    `FROM ${table(from)}`,
    `WHERE $__timeFilter(ts) AND ${RUN}`,
    'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
    'ORDER BY time',
  );
}

export function backtests(): DashboardSpec {
  return {
    uid: 'tradewatch-backtests',
    title: 'tradewatch: Backtests',
    description:
      'Backtest runs and their summary metrics; per run, equity and drawdown, precision@K, rank IC and turnover over its periods (backtest/README.md).',
    tags: ['tradewatch'],
    from: 'now-365d',
    variables: [NS, ENV, BACKTEST, VERSION],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Runs',
        panels: [
          {
            title: 'Runs',
            description:
              'Every run of every backtest (of the env), newest start first: the summary metrics as `backtest show` prints them (ratios as fractions; per-K metrics as JSON).',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts AS run_from, id, version, strategy, env, periods, total_return, cagr, volatility,',
              '  sharpe, sortino, max_drawdown, calmar, hit_rate, turnover, rank_ic, ic_ir,',
              '  unlabeled_positions, per_k, config_digest',
              `FROM ${table('backtest_runs')}`,
              `WHERE ${matches('env', 'env')}`,
              'ORDER BY ts DESC, id, version LIMIT 200',
            ),
          },
        ],
      },
      {
        title: 'Equity and drawdown',
        panels: [
          {
            title: 'Equity',
            description:
              'E_t after each period (initial equity E_0), the last of each interval, per version.',
            visualisation: 'timeseries',
            unit: 'short',
            sql: perVersion('last(equity) AS equity'),
          },
          {
            title: 'Drawdown',
            description: '1 − E_t / max E_s (s ≤ t), the worst of each interval, per version.',
            visualisation: 'timeseries',
            unit: 'percentunit',
            sql: perVersion('max(drawdown) AS drawdown'),
          },
        ],
      },
      {
        title: 'Ranking quality',
        panels: [
          {
            title: 'Precision@K',
            description:
              'Precision@K of the combined ranking at each rebalance, the mean of each interval, per K (the versions chosen averaged).',
            visualisation: 'timeseries',
            unit: 'percentunit',
            sql: sql(
              'SELECT ts AS time, k, avg(precision_at_k) AS precision_at_k',
              `FROM ${table('backtest_period_scores')}`,
              `WHERE $__timeFilter(ts) AND ${RUN}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Rank IC',
            description:
              'Spearman correlation of combined score and forward return at each rebalance, the mean of each interval, per version.',
            visualisation: 'timeseries',
            unit: 'none',
            sql: perVersion('avg(ic) AS rank_ic'),
          },
          {
            title: 'Turnover',
            description: 'Σ|w_t − w_prev| at each rebalance, the mean of each interval, per version.',
            visualisation: 'timeseries',
            unit: 'none',
            sql: perVersion('avg(turnover) AS turnover'),
          },
          {
            title: 'Period return',
            description: 'The return of each period after costs, the sum of each interval, per version.',
            visualisation: 'timeseries',
            unit: 'percentunit',
            bars: true,
            sql: perVersion('sum(return) AS return'),
          },
        ],
      },
    ],
  };
}
