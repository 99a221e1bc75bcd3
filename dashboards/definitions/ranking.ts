/** Ranking quality: precision@K and its siblings per strategy and K, their means, and PnL. */
import type { CompiledRules } from '../../processors/rules/index.ts';
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, K, NS, STRATEGY } from '../variables.ts';
import { ruleThreshold } from './thresholds.ts';

const FILTER = `${matches('env', 'env')} AND ${matches('strategy', 'strategy')}`;
const FILTER_K = `${FILTER} AND k = '\${k}'`;

/** Daily precision@K beside the day's realized PnL, per strategy (the rows of both panels below). */
const PRECISION_AND_PNL = sql(
  'WITH pnl AS (',
  '  SELECT ts, strategy, env, last(value) AS realized_pnl',
  `  FROM ${table('baseline')}`,
  `  WHERE $__timeFilter(ts) AND metric = 'realized_pnl_1d' AND ${FILTER}`,
  '  SAMPLE BY 1d ALIGN TO CALENDAR)',
);

export function ranking(rules: CompiledRules): DashboardSpec {
  return {
    uid: 'tradewatch-ranking',
    title: 'tradewatch: Ranking quality',
    description:
      'Precision@K, recall, nDCG and rank IC per strategy and K, with their 7- and 30-day means, strategies compared, and precision@K against daily PnL.',
    tags: ['tradewatch'],
    from: 'now-7d',
    variables: [NS, ENV, STRATEGY, K],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Per cycle',
        panels: [
          {
            title: 'Precision@K',
            description: 'Mean precision@K of the scored cycles of each interval.',
            visualisation: 'timeseries',
            unit: 'percentunit',
            sql: sql(
              'SELECT ts AS time, strategy, avg(precision_at_k) AS precision_at_k',
              `FROM ${table('ranking_scores')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER_K}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Recall@K and nDCG@K',
            description: 'Means of the scored cycles of each interval.',
            visualisation: 'timeseries',
            unit: 'percentunit',
            sql: sql(
              'SELECT ts AS time, strategy, avg(recall_at_k) AS recall_at_k, avg(ndcg_at_k) AS ndcg_at_k',
              `FROM ${table('ranking_scores')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER_K}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Rank IC',
            description: 'Spearman correlation of scores and forward returns, mean of the scored cycles.',
            visualisation: 'timeseries',
            sql: sql(
              'SELECT ts AS time, strategy, avg(rank_ic) AS rank_ic',
              `FROM ${table('ranking_cycles')}`,
              `WHERE $__timeFilter(ts) AND status = 'scored' AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Precision@K, 7- and 30-day means',
            description:
              'The trailing means the ranking-rolling processor keeps (what the precision rules read).',
            visualisation: 'timeseries',
            unit: 'percentunit',
            thresholds: [{ ...ruleThreshold(rules, 'ranking_precision_at_5_low'), color: 'orange' }],
            sql: sql(
              'SELECT ts AS time, strategy, name, last(value) AS mean',
              `FROM ${table('ranking_rolling')}`,
              "WHERE $__timeFilter(ts) AND name IN ('precision_at_k_7d', 'precision_at_k_30d')",
              `  AND ${FILTER_K}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
        ],
      },
      {
        title: 'Strategies compared',
        panels: [
          {
            title: 'Strategies compared',
            description: 'Means over the range, per strategy, at the chosen K.',
            visualisation: 'barchart',
            unit: 'percentunit',
            width: 8,
            sql: sql(
              'SELECT strategy, avg(precision_at_k) AS precision_at_k, avg(recall_at_k) AS recall_at_k,',
              '  avg(ndcg_at_k) AS ndcg_at_k',
              `FROM ${table('ranking_scores')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER_K}`,
              'GROUP BY strategy ORDER BY strategy',
            ),
          },
          {
            title: 'Daily precision@K against daily PnL',
            description:
              'One point per strategy and day: precision_daily (scheduler template `precision-daily`) and the realized PnL of the day.',
            visualisation: 'xychart',
            width: 8,
            sql: sql(
              PRECISION_AND_PNL,
              'SELECT p.precision_mean, pnl.realized_pnl, p.strategy, p.ts AS day',
              `FROM ${table('precision_daily')} p`,
              'JOIN pnl ON p.ts = pnl.ts AND p.strategy = pnl.strategy AND p.env = pnl.env',
              "WHERE $__timeFilter(p.ts) AND p.k = '${k}'",
              'ORDER BY day',
            ),
          },
          {
            title: 'Correlation of precision@K and PnL',
            description:
              'Pearson correlation of daily precision@K and daily realized PnL over the range, and the days it is over (empty below two).',
            visualisation: 'table',
            width: 8,
            sql: sql(
              PRECISION_AND_PNL,
              'SELECT p.strategy, corr(p.precision_mean, pnl.realized_pnl) AS correlation, count() AS days',
              `FROM ${table('precision_daily')} p`,
              'JOIN pnl ON p.ts = pnl.ts AND p.strategy = pnl.strategy AND p.env = pnl.env',
              "WHERE $__timeFilter(p.ts) AND p.k = '${k}'",
              'GROUP BY p.strategy ORDER BY p.strategy',
            ),
          },
        ],
      },
    ],
  };
}
