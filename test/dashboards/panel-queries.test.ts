/**
 * Every panel's query runs: each checked-in dashboard's panels, annotations and variables, expanded as
 * the QuestDB plugin expands them, run on the real QuestDB over rows the pipeline's processors and the
 * scheduler wrote into a namespace of the test's own; each returns the columns and types its
 * visualisation draws, and rows.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { frameProblems, annotationProblems, QUESTDB_PLUGIN } from '../../dashboards/index.ts';
import { exec, type QueryResult } from '../../sinks/questdb/exec.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { loadGrafanaJson, panelSql, queryPanels, resolveVariables } from './grafana-json.ts';
import { seedNamespace, type Seeded } from './seed.ts';
import { SEED_RANGE } from './seed-rows.ts';

const dashboards = loadGrafanaJson();
let seeded: Seeded;
let release: () => Promise<void>;
const run = (sql: string): Promise<QueryResult> =>
  exec(parseEndpoint(inject('services').questdbHttpUrl), sql, { timeoutMs: 30_000 });

beforeAll(async () => {
  ({ seeded, release } = await seedNamespace(inject('services').questdbHttpUrl));
}, 120_000);
afterAll(async () => release());

test('there are the seven dashboards, each with panels', () => {
  expect(dashboards.map((d) => d.dashboard.uid)).toEqual([
    'tradewatch-backtests',
    'tradewatch-data-sources',
    'tradewatch-overview',
    'tradewatch-portfolios',
    'tradewatch-ranking',
    'tradewatch-scheduler',
    'tradewatch-strategies',
  ]);
  for (const { dashboard } of dashboards) expect(queryPanels(dashboard).length).toBeGreaterThan(2);
});

describe.each(dashboards)('$file', ({ dashboard }) => {
  test.each(queryPanels(dashboard).map((p) => ({ ...p, title: p.panel.title })))(
    '$title ($visualisation) returns rows it can draw',
    async ({ panel, visualisation }) => {
      const variables = await resolveVariables(dashboard, seeded.ns.tablePrefix, SEED_RANGE, run);
      expect(panel.targets?.length).toBe(1);
      for (const target of panel.targets ?? []) {
        expect(target.datasource.type).toBe(QUESTDB_PLUGIN);
        expect(target.format).toBe(visualisation === 'timeseries' ? 0 : 1);
        const sql = panelSql(panel, target, variables, SEED_RANGE);
        expect(sql, 'every macro and variable is expanded').not.toMatch(/\$__|\$\{|\$[a-z]/);
        const result = await run(sql);
        const first = result.columns[0]?.name ?? '';
        expect(
          frameProblems(
            visualisation,
            result.columns,
            result.rows.map((r) => r[first]),
          ),
          sql,
        ).toEqual([]);
        expect(result.rows.length, `rows of: ${sql}`).toBeGreaterThan(0);
      }
    },
  );

  test('with each variable on its first value, every panel still runs and fits', async () => {
    const variables = await resolveVariables(dashboard, seeded.ns.tablePrefix, SEED_RANGE, run, 'first');
    for (const { panel, visualisation } of queryPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const sql = panelSql(panel, target, variables, SEED_RANGE);
        const result = await run(sql);
        const first = result.columns[0]?.name ?? '';
        expect(
          frameProblems(
            visualisation,
            result.columns,
            result.rows.map((r) => r[first]),
          ),
          sql,
        ).toEqual([]);
      }
    }
  });

  test('the alert annotations return alerts', async () => {
    const variables = await resolveVariables(dashboard, seeded.ns.tablePrefix, SEED_RANGE, run);
    const annotations = dashboard.annotations.list.filter((a) => a.target !== undefined);
    expect(annotations.map((a) => a.name)).toEqual(['Alerts']);
    for (const a of annotations) {
      const sql = panelSql({ type: 'annotation', title: a.name }, a.target!, variables, SEED_RANGE);
      const result = await run(sql);
      expect(annotationProblems(result.columns), sql).toEqual([]);
      expect(result.rows.length).toBe(seeded.counts.get('alerts'));
    }
  });
});

test('the Backtests dashboard shows the seeded backtest, run by the backtest code', async () => {
  const backtests = dashboards.find((d) => d.dashboard.uid === 'tradewatch-backtests')!.dashboard;
  const variables = await resolveVariables(backtests, seeded.ns.tablePrefix, SEED_RANGE, run);
  expect(variables.get('backtest')?.value).toBe(seeded.backtest.id);
  const panel = (title: string) => queryPanels(backtests).find((p) => p.panel.title === title)!.panel;
  const rows = async (title: string) =>
    (await run(panelSql(panel(title), panel(title).targets![0]!, variables, SEED_RANGE))).rows;
  const runs = await rows('Runs');
  expect(runs.map((r) => [r['id'], r['version'], r['periods'], r['env']])).toEqual([
    [seeded.backtest.id, seeded.backtest.version, 24, 'prod'],
  ]);
  expect(typeof runs[0]!['sharpe']).toBe('number');
  const equity = await rows('Equity');
  expect(equity.length).toBeGreaterThan(1);
  expect(equity.every((r) => r['version'] === seeded.backtest.version)).toBe(true);
  const precision = await rows('Precision@K');
  expect(new Set(precision.map((r) => r['k']))).toEqual(new Set(['1', '2', '3']));
});

describe('a broken panel fails', () => {
  const portfolios = dashboards.find((d) => d.dashboard.uid === 'tradewatch-portfolios')!.dashboard;
  const equity = queryPanels(portfolios).find((p) => p.panel.title === 'Equity')!;

  test('a column the table does not have is an error from QuestDB', async () => {
    const variables = await resolveVariables(portfolios, seeded.ns.tablePrefix, SEED_RANGE, run);
    const target = {
      ...equity.panel.targets![0]!,
      rawSql: equity.panel.targets![0]!.rawSql.replace('last(equity)', 'last(equities)'),
    };
    await expect(run(panelSql(equity.panel, target, variables, SEED_RANGE))).rejects.toThrow(
      /Invalid column: equities/,
    );
  });

  test('a time series without ORDER BY time, or without its time column, does not fit', () => {
    expect(
      frameProblems('timeseries', [
        { name: 'ts', type: 'TIMESTAMP' },
        { name: 'v', type: 'DOUBLE' },
      ]),
    ).toEqual(['a time series needs a timestamp column named `time` first; got (ts TIMESTAMP, v DOUBLE)']);
    expect(
      frameProblems(
        'timeseries',
        [
          { name: 'time', type: 'TIMESTAMP' },
          { name: 'v', type: 'DOUBLE' },
        ],
        ['2026-01-05T01:00:00.000000Z', '2026-01-05T00:00:00.000000Z'],
      ),
    ).toEqual(['a time series must be sorted by time (row 2 goes back): add ORDER BY time']);
    expect(
      frameProblems('xychart', [
        { name: 'strategy', type: 'SYMBOL' },
        { name: 'v', type: 'DOUBLE' },
      ]),
    ).toHaveLength(1);
  });
});
