/** The dashboards' variables: the namespace's table prefix, env, portfolio, strategy, K and source. */
import { ENVIRONMENTS } from '../schemas/index.ts';
import type { VariableSpec } from './model.ts';
import { matches, sql, table } from './sql.ts';

/** `ns`: the table prefix of the environment's namespace (`demo__`), empty for the default one. */
export const NS: VariableSpec = {
  kind: 'textbox',
  name: 'ns',
  label: 'table prefix',
  description:
    "The QuestDB table prefix of the environment's namespace: `<TW_NAMESPACE>__` (e.g. `demo__`), empty for the default namespace",
  defaultValue: '',
};

export const ENV: VariableSpec = {
  kind: 'custom',
  name: 'env',
  label: 'env',
  description: 'The trading environment of the rows shown',
  values: ENVIRONMENTS,
  includeAll: true,
};

export const PORTFOLIO: VariableSpec = {
  kind: 'query',
  name: 'portfolio',
  label: 'portfolio',
  description: 'Portfolios with marks in this namespace',
  sql: sql(
    `SELECT DISTINCT portfolio FROM ${table('portfolio_marks')}`,
    `WHERE ${matches('env', 'env')}`,
    'ORDER BY portfolio',
  ),
  includeAll: true,
};

export const STRATEGY: VariableSpec = {
  kind: 'query',
  name: 'strategy',
  label: 'strategy',
  description: 'Strategies with inference cycles in this namespace',
  sql: sql(
    `SELECT DISTINCT strategy FROM ${table('inference_cycles')}`,
    `WHERE ${matches('env', 'env')}`,
    'ORDER BY strategy',
  ),
  includeAll: true,
};

export const K: VariableSpec = {
  kind: 'query',
  name: 'k',
  label: 'K',
  description: 'The K of precision@K (the ranking configuration decides which are scored)',
  sql: sql(`SELECT DISTINCT k FROM ${table('ranking_scores')}`, 'ORDER BY k'),
  includeAll: false,
};

export const SOURCE: VariableSpec = {
  kind: 'query',
  name: 'source',
  label: 'source',
  description: 'Sources the freshness processor watches (ingests, strategies, instances...)',
  sql: sql(
    `SELECT DISTINCT source FROM ${table('freshness')}`,
    `WHERE ${matches('env', 'env')}`,
    'ORDER BY source',
  ),
  includeAll: true,
};
