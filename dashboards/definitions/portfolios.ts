/** Portfolios: equity, trailing-hour and daily drawdowns with their alert thresholds, reconciliation, risk. */
import type { CompiledRules } from '../../processors/rules/index.ts';
import { ALERT_ANNOTATIONS } from '../annotations.ts';
import type { DashboardSpec } from '../model.ts';
import { labelMatches, matches, sql, table } from '../sql.ts';
import { ENV, NS, PORTFOLIO } from '../variables.ts';
import { ruleThreshold } from './thresholds.ts';

const FILTER = `${matches('env', 'env')} AND ${matches('portfolio', 'portfolio')}`;

export function portfolios(rules: CompiledRules): DashboardSpec {
  return {
    uid: 'tradewatch-portfolios',
    title: 'tradewatch: Portfolios',
    description:
      'Equity and drawdowns of the portfolios, the alerts on them, PnL reconciliation and risk checks.',
    tags: ['tradewatch'],
    from: 'now-24h',
    variables: [NS, ENV, PORTFOLIO],
    annotations: [ALERT_ANNOTATIONS],
    rows: [
      {
        title: 'Equity and drawdowns',
        panels: [
          {
            title: 'Equity',
            description: 'The last mark of each interval.',
            visualisation: 'timeseries',
            width: 24,
            sql: sql(
              'SELECT ts AS time, portfolio, last(equity) AS equity',
              `FROM ${table('portfolio_marks')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Trailing-hour drawdown',
            description: 'Drawdown from the rolling one-hour peak (the worst of each interval).',
            visualisation: 'timeseries',
            unit: 'percentunit',
            thresholds: [ruleThreshold(rules, 'portfolio_drawdown_1h')],
            sql: sql(
              'SELECT ts AS time, portfolio, max(drawdown_1h) AS drawdown_1h',
              `FROM ${table('drawdown')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Daily drawdown',
            description: 'Drawdown from the peak of the UTC day (the worst of each interval).',
            visualisation: 'timeseries',
            unit: 'percentunit',
            thresholds: [ruleThreshold(rules, 'portfolio_drawdown_daily')],
            sql: sql(
              'SELECT ts AS time, portfolio, max(drawdown_daily) AS drawdown_daily',
              `FROM ${table('drawdown')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Drawdown alerts',
            description: 'State changes of the portfolio drawdown alerts, newest first.',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts, rule, status, severity, env, value, threshold, summary',
              `FROM ${table('alerts')}`,
              "WHERE $__timeFilter(ts) AND rule LIKE 'portfolio_%'",
              `  AND ${matches('env', 'env')} AND ${labelMatches('labels', 'portfolio', 'portfolio')}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
      {
        title: 'Reconciliation and risk',
        panels: [
          {
            title: 'Daily PnL reconciliation',
            description:
              'The change in marks against the trades of each day (scheduler template `pnl-reconciliation`).',
            visualisation: 'table',
            width: 24,
            sql: sql(
              'SELECT ts AS day, portfolio, env, status, pnl_marks, trade_cash_flow, difference, tolerance, trades, problems',
              `FROM ${table('pnl_reconciliation')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
          {
            title: 'Exposure',
            description: '(equity - cash) / equity at each risk check (scheduler template `risk-check`).',
            visualisation: 'timeseries',
            unit: 'percentunit',
            sql: sql(
              'SELECT ts AS time, portfolio, last(exposure) AS exposure',
              `FROM ${table('risk_checks')}`,
              `WHERE $__timeFilter(ts) AND ${FILTER}`,
              'SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR',
              'ORDER BY time',
            ),
          },
          {
            title: 'Risk check breaches',
            description: 'Risk checks that breached a limit, newest first.',
            visualisation: 'table',
            sql: sql(
              'SELECT ts, portfolio, env, exposure, drawdown_daily, max_drawdown, mark_age_ms, problems',
              `FROM ${table('risk_checks')}`,
              `WHERE $__timeFilter(ts) AND breach AND ${FILTER}`,
              'ORDER BY ts DESC LIMIT 100',
            ),
          },
        ],
      },
    ],
  };
}
