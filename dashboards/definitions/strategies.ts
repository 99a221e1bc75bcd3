/** Strategies: deviations from their baselines, realized PnL, inference cycles and weights, sessions. */
import type { CompiledRules } from '../../processors/rules/index.ts';
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { matches, sql, table } from '../sql.ts';
import { ENV, NS, STRATEGY } from '../variables.ts';
import { ruleThreshold } from './thresholds.ts';

const FILTER = `${matches('env', 'env')} AND ${matches('strategy', 'strategy')}`;

export function strategies(rules: CompiledRules): DashboardSpec {
  return {
    uid: 'tradewatch-strategies',
    title: 'tradewatch: Strategies',
    description:
      'Baseline z-scores per metric, daily realized PnL, inference cycle latency and failures, weights age.',
    tags: ['tradewatch'],
    from: 'now-7d',
    variables: [NS, ENV, STRATEGY],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Baselines',
        panels: [
          {
            title: 'Baseline z-scores',
            description:
              'How far each metric is from its EWMA baseline, in standard deviations (the last of each interval).',
            visualisation: 'timeseries',
            thresholds: [
              ruleThreshold(rules, 'strategy_metric_deviation'),
              ruleThreshold(rules, 'strategy_metric_deviation', -1),
            ],
            sql: sql(
              'SELECT ts AS time, strategy, metric, last(z) AS z',
              `FROM ${table('baseline')}`,
              `WHERE $__timeFilter(ts) AND z IS NOT NULL AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Daily realized PnL',
            description: 'The realized PnL of each UTC day, as the baseline processor sums it from trades.',
            visualisation: 'timeseries',
            bars: true,
            sql: sql(
              'SELECT ts AS time, strategy, last(value) AS realized_pnl',
              `FROM ${table('baseline')}`,
              `WHERE $__timeFilter(ts) AND metric = 'realized_pnl_1d' AND ${FILTER}`,
              'SAMPLE BY 1d ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
        ],
      },
      {
        title: 'Inference',
        panels: [
          {
            title: 'Inference cycle latency',
            description: 'finished_at minus started_at of the cycles: mean and worst of each interval.',
            visualisation: 'timeseries',
            unit: 'ms',
            width: 8,
            sql: sql(
              'SELECT ts AS time, strategy, avg(duration_ms) AS mean, max(duration_ms) AS worst',
              `FROM ${table('inference_cycles')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Inference cycle failures',
            description: 'Failed cycles of each interval, and the longest run of failures in a row.',
            visualisation: 'timeseries',
            bars: true,
            width: 8,
            sql: sql(
              "SELECT ts AS time, strategy, sum(CASE WHEN status = 'failure' THEN 1 ELSE 0 END) AS failures,",
              '  max(consecutive_failures) AS in_a_row',
              `FROM ${table('inference_cycles')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Weights age',
            description: "as_of minus the model weights' updated_at, in hours.",
            visualisation: 'timeseries',
            unit: 'h',
            width: 8,
            sql: sql(
              'SELECT ts AS time, strategy, last(weights_age_ms) / 3600000.0 AS weights_age',
              `FROM ${table('inference_cycles')}`,
              `WHERE $__timeFilter(ts) AND weights_age_ms IS NOT NULL AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Trading-window checks',
            description: 'Sessions checked by the scheduler template `trading-window-check`, newest first.',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts AS window_start, strategy, env, ok, cycles, failed_cycles, outside_cycles, max_gap_ms, problems',
              `FROM ${table('trading_window_checks')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
    ],
  };
}
