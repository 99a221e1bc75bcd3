/**
 * Every job template on real rows: the test writes rows into the real QuestDB (names unique to the
 * run, so other tests' rows never mix in), runs the template against QuestDB and Kafka under a fresh
 * TOPIC_PREFIX, and checks the rows it wrote and the metric points it produced. Expected values are
 * computed by hand in the comments.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { namespace, type Namespace } from '../../core/namespace.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { SchemaRegistry, type Metric } from '../../schemas/index.ts';
import { SchedulerOutputs } from '../../scheduler/outputs.ts';
import { TEMPLATES } from '../../scheduler/templates/index.ts';
import { parseParams } from '../../scheduler/templates/params.ts';
import type { TemplateSummary } from '../../scheduler/templates/types.ts';
import type { StoredJob } from '../../scheduler/types.ts';
import { QuestDbSink } from '../../sinks/questdb/index.ts';
import { physicalName } from '../../topics/index.ts';
import { testKafka, withTestTopics } from '../helpers/kafka.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { T0, testJob } from './helpers.ts';

const H = 3_600_000;
const M = 60_000;
const registry = await SchemaRegistry.load();
let sink: QuestDbSink;

beforeAll(async () => {
  sink = await QuestDbSink.create({ httpUrl: inject('services').questdbHttpUrl, logger: silentLogger() });
});
afterAll(async () => {
  await sink.close();
});

/** Writes rows and waits until QuestDB shows `count` rows of `table` where `where`. */
async function insert(rows: readonly SinkRow[], table: string, where: string): Promise<void> {
  sink.write(rows);
  await sink.flush();
  await sink.waitForRows(table, where, rows.filter((r) => r.table === table).length);
}

/** Runs template `name` with `params` for a job in `env` at `scheduledAt`; returns its summary and outputs. */
async function runTemplate(
  name: string,
  params: unknown,
  scheduledAt: number,
  env: 'prod' | 'paper' = 'prod',
  questdb: QuestDbSink = sink,
): Promise<{ summary: TemplateSummary; metrics: () => Promise<Metric[]>; prefix: string }> {
  const prefix = await withTestTopics('tpl');
  const outputs = new SchedulerOutputs({
    kafka: testKafka(),
    registry,
    questdb,
    topicPrefix: prefix,
    transactionalId: uniqueName('tw-test-tpl'),
    logger: silentLogger(),
  });
  onTestFinished(() => outputs.close());
  const template = TEMPLATES.get(name);
  if (template === undefined) throw new Error(`no template ${name}`);
  const parsed = parseParams(template, params);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const job: StoredJob = {
    ...testJob(TEMPLATES, { id: 'tpl', template: name, params, env }, T0 - 365 * 24 * H),
    createdAt: T0,
    updatedAt: T0,
    cursor: T0,
  };
  const summary = await template.run(parsed.params, {
    job,
    scheduledAt,
    now: () => scheduledAt,
    signal: new AbortController().signal,
    logger: silentLogger(),
    outputs,
  });
  return { summary, prefix, metrics: () => readTopic(physicalName('metrics', prefix), 'Metric') };
}

async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  return [...(await sink.query(sql)).rows];
}

describe('precision-daily', () => {
  it('aggregates yesterday’s scored cycles per strategy, env and K', async () => {
    const strategy = uniqueName('pd');
    const day = Date.UTC(2025, 2, 2);
    const score = (
      ts: number,
      k: string,
      cycle: string,
      p: number,
      r: number,
      h: number,
      n: number,
    ): SinkRow => ({
      table: 'ranking_scores',
      ts,
      symbols: { strategy, env: 'prod', k, cycle_id: cycle },
      columns: { precision_at_k: p, recall_at_k: r, hit_at_k: h, ndcg_at_k: n },
    });
    await insert(
      [
        score(day + 1 * H, '5', 'c1', 0.6, 0.3, 1, 0.7),
        score(day + 13 * H, '5', 'c2', 0.8, 0.5, 0, 0.9),
        score(day + 13 * H, '10', 'c2', 0.5, 0.6, 1, 0.65),
        score(day - 1, '5', 'c0', 0, 0, 0, 0), // the day before: not aggregated
        score(day + 24 * H, '5', 'c3', 1, 1, 1, 1), // the run's own day: not aggregated
      ],
      'ranking_scores',
      `strategy = '${strategy}'`,
    );
    const { summary, metrics } = await runTemplate(
      'precision-daily',
      { strategies: [strategy] },
      day + 24 * H + 2 * H,
    );
    expect(summary).toMatchObject({ rows: 2, days: '2025-03-02' });
    await sink.waitForRows('precision_daily', `strategy = '${strategy}'`, 2);
    const rows = await rowsOf(
      `SELECT k, cycles, precision_mean, precision_min, precision_max, recall_mean, hit_rate, ndcg_mean, ts FROM precision_daily WHERE strategy = '${strategy}' ORDER BY k`,
    );
    // K=5: cycles c1, c2: precision (0.6 + 0.8) / 2 = 0.7, recall (0.3 + 0.5) / 2 = 0.4, hit 1/2, ndcg 0.8.
    expect(rows).toEqual([
      {
        k: '10',
        cycles: 1,
        precision_mean: 0.5,
        precision_min: 0.5,
        precision_max: 0.5,
        recall_mean: 0.6,
        hit_rate: 1,
        ndcg_mean: 0.65,
        ts: '2025-03-02T00:00:00.000000Z',
      },
      {
        k: '5',
        cycles: 2,
        precision_mean: expect.closeTo(0.7, 12) as number,
        precision_min: 0.6,
        precision_max: 0.8,
        recall_mean: expect.closeTo(0.4, 12) as number,
        hit_rate: 0.5,
        ndcg_mean: expect.closeTo(0.8, 12) as number,
        ts: '2025-03-02T00:00:00.000000Z',
      },
    ]);
    const points = (await metrics()).filter((m) => m.labels['strategy'] === strategy);
    expect(points.map((m) => [m.name, m.labels['k'], m.value, m.ts]).sort()).toEqual([
      ['precision_at_k_daily', '10', 0.5, day],
      ['precision_at_k_daily', '5', expect.closeTo(0.7, 12), day],
    ]);
  });
});

describe('risk-check', () => {
  it('summarizes exposure and drawdown per portfolio and flags each breach', async () => {
    const id = uniqueName('rk');
    const [ok, deep, levered, stale] = ['ok', 'deep', 'levered', 'stale'].map((p) => `${id}-${p}`) as [
      string,
      string,
      string,
      string,
    ];
    const t = Date.UTC(2025, 2, 3, 12);
    const mark = (portfolio: string, ts: number, equity: number, cash: number): SinkRow => ({
      table: 'portfolio_marks',
      ts,
      symbols: { portfolio, env: 'prod' },
      columns: { equity, cash },
    });
    const dd = (portfolio: string, ts: number, daily: number): SinkRow => ({
      table: 'drawdown',
      ts,
      symbols: { portfolio, env: 'prod' },
      columns: { equity: 100, drawdown_daily: daily, drawdown_1h: daily },
    });
    await insert(
      [
        mark(ok, t - M, 100, 50),
        mark(deep, t - M, 100, 60),
        mark(levered, t - M, 100, -20),
        mark(stale, t - H, 100, 100),
        mark(ok, t + M, 1, 1),
      ],
      'portfolio_marks',
      `portfolio LIKE '${id}%'`,
    );
    await insert(
      [dd(ok, t - M, 0.02), dd(deep, t - 2 * H, 0.15), dd(deep, t - M, 0.05), dd(deep, t - 25 * H, 0.5)],
      'drawdown',
      `portfolio LIKE '${id}%'`,
    );
    const { summary, metrics } = await runTemplate(
      'risk-check',
      { portfolios: [ok, deep, levered, stale] },
      t,
    );
    expect(summary).toEqual({ portfolios: 4, breaches: 3 });
    await sink.waitForRows('risk_checks', `portfolio LIKE '${id}%'`, 4);
    const rows = await rowsOf(
      `SELECT portfolio, exposure, drawdown_daily, max_drawdown, mark_age_ms, breach, problems FROM risk_checks WHERE portfolio LIKE '${id}%' ORDER BY portfolio`,
    );
    expect(rows).toEqual([
      // (100 - 60) / 100 = 0.4; max drawdown over 24 h = 0.15 (the 0.5 is 25 h old), latest 0.05.
      {
        portfolio: deep,
        exposure: 0.4,
        drawdown_daily: 0.05,
        max_drawdown: 0.15,
        mark_age_ms: M,
        breach: true,
        problems: 'drawdown reached 15.00% over the last 1d (limit 10.00%)',
      },
      // (100 - -20) / 100 = 1.2 > 1.
      {
        portfolio: levered,
        exposure: 1.2,
        drawdown_daily: null,
        max_drawdown: null,
        mark_age_ms: M,
        breach: true,
        problems: 'exposure 120.00% exceeds 100.00%',
      },
      // The mark after t is not seen.
      {
        portfolio: ok,
        exposure: 0.5,
        drawdown_daily: 0.02,
        max_drawdown: 0.02,
        mark_age_ms: M,
        breach: false,
        problems: null,
      },
      {
        portfolio: stale,
        exposure: 0,
        drawdown_daily: null,
        max_drawdown: null,
        mark_age_ms: H,
        breach: true,
        problems: 'the latest mark is 1h old (limit 15m)',
      },
    ]);
    const breaches = (await metrics()).filter((m) => m.name === 'risk_limit_breach');
    expect(Object.fromEntries(breaches.map((m) => [m.labels['portfolio'], m.value]))).toEqual({
      [deep]: 1,
      [levered]: 1,
      [ok]: 0,
      [stale]: 1,
    });
  });
});

describe('namespaces', () => {
  it('a template reads and writes only its environment’s tables', async () => {
    const id = uniqueName('rkns');
    const ns = namespace(id.replace(/[^a-z0-9]+/g, '_'));
    const own = await QuestDbSink.create({
      httpUrl: inject('services').questdbHttpUrl,
      logger: silentLogger(),
      namespace: ns,
    });
    onTestFinished(async () => {
      await own.close();
      await dropNamespaceTables(ns);
    });
    const t = Date.UTC(2025, 2, 3, 12);
    const mark = (cash: number): SinkRow => ({
      table: 'portfolio_marks',
      ts: t - M,
      symbols: { portfolio: id, env: 'prod' },
      columns: { equity: 100, cash },
    });
    // The same portfolio in two environments: all cash in the default one, half invested in `ns`.
    await insert([mark(100)], 'portfolio_marks', `portfolio = '${id}'`);
    own.write([mark(50)]);
    await own.flush();
    await own.waitForRows('portfolio_marks', `portfolio = '${id}'`, 1);

    const { summary } = await runTemplate('risk-check', { portfolios: [id] }, t, 'prod', own);
    expect(summary).toEqual({ portfolios: 1, breaches: 0 });
    await own.waitForRows('risk_checks', `portfolio = '${id}'`, 1);
    expect(await rowsOf(`SELECT exposure FROM ${ns.table('risk_checks')} WHERE portfolio = '${id}'`)).toEqual(
      [{ exposure: 0.5 }],
    );
    // Nothing landed in the default environment's table.
    expect(await rowsOf(`SELECT count() n FROM risk_checks WHERE portfolio = '${id}'`)).toEqual([{ n: 0 }]);
  });
});

/** Drops every QuestDB table of the namespace `ns` (a test's own). */
async function dropNamespaceTables(ns: Namespace): Promise<void> {
  const tables = await rowsOf(`SELECT table_name FROM tables() WHERE table_name LIKE '${ns.tablePrefix}%'`);
  for (const t of tables) await sink.query(`DROP TABLE IF EXISTS "${String(t['table_name'])}"`);
}

describe('pnl-reconciliation', () => {
  it('compares the trades between two marks with the change in cash, per portfolio and day', async () => {
    const id = uniqueName('pnl');
    const [good, off, fresh] = ['good', 'off', 'fresh'].map((p) => `${id}-${p}`) as [string, string, string];
    const day = Date.UTC(2025, 2, 2);
    const mark = (portfolio: string, ts: number, equity: number, cash: number): SinkRow => ({
      table: 'portfolio_marks',
      ts,
      symbols: { portfolio, env: 'paper' },
      columns: { equity, cash },
    });
    let n = 0;
    const trade = (
      portfolio: string,
      ts: number,
      side: 'buy' | 'sell',
      notional: number,
      fee: number,
      feeCurrency = 'USD',
    ): SinkRow => ({
      table: 'trades',
      ts,
      symbols: {
        portfolio,
        env: 'paper',
        trade_id: `t${(n += 1)}`,
        strategy: 's',
        asset: 'BTC-USD',
        side,
        quote_currency: 'USD',
        fee_currency: feeCurrency,
      },
      columns: { quantity: 1, price: notional, notional, fee },
    });
    await insert(
      [
        mark(good, day - H, 1000, 500),
        // cash: 500 - 100 - 1 + 150 - 1 = 548.
        mark(good, day + 23 * H, 1060, 548),
        mark(off, day - H, 1000, 500),
        // cash should be 500 - 100 = 400: 380 is 20 short.
        mark(off, day + 23 * H, 900, 380),
        mark(fresh, day + 2 * H, 1000, 1000),
        mark(fresh, day + 23 * H, 1000, 990),
      ],
      'portfolio_marks',
      `portfolio LIKE '${id}%'`,
    );
    await insert(
      [
        trade(good, day + 10 * H, 'buy', 100, 1),
        trade(good, day + 15 * H, 'sell', 150, 1),
        trade(good, day + 23 * H + 30 * M, 'sell', 10, 0), // after the closing mark: tomorrow's
        trade(good, day + 12 * H, 'buy', 0, 3, 'BNB'), // a fee in another currency: left out, said so
        trade(off, day + 12 * H, 'buy', 100, 0),
        trade(fresh, day + 12 * H, 'buy', 10, 0),
      ],
      'trades',
      `portfolio LIKE '${id}%'`,
    );
    const { summary, metrics } = await runTemplate(
      'pnl-reconciliation',
      { portfolios: [good, off, fresh], tolerance: 0.5 },
      day + 24 * H + 30 * M,
      'paper',
    );
    expect(summary).toEqual({ rows: 3, breaches: 2 });
    await sink.waitForRows('pnl_reconciliation', `portfolio LIKE '${id}%'`, 3);
    const rows = await rowsOf(
      `SELECT portfolio, status, cash_change, trade_cash_flow, buy_notional, sell_notional, fees, trades, difference, pnl_marks, problems FROM pnl_reconciliation WHERE portfolio LIKE '${id}%' ORDER BY portfolio`,
    );
    expect(rows).toEqual([
      {
        portfolio: fresh,
        status: 'no_data',
        cash_change: null,
        trade_cash_flow: -10,
        buy_notional: 10,
        sell_notional: 0,
        fees: 0,
        trades: 1,
        difference: null,
        pnl_marks: null,
        problems: 'no mark before 2025-03-02: nothing to compare with',
      },
      {
        portfolio: good,
        status: 'ok',
        cash_change: 48,
        trade_cash_flow: 48,
        buy_notional: 100,
        sell_notional: 150,
        fees: 2,
        trades: 3,
        difference: 0,
        pnl_marks: 60,
        problems: '1 trade(s) paid fees in another currency than their quote currency: not counted',
      },
      {
        portfolio: off,
        status: 'breach',
        cash_change: -120,
        trade_cash_flow: -100,
        buy_notional: 100,
        sell_notional: 0,
        fees: 0,
        trades: 1,
        difference: -20,
        pnl_marks: -100,
        problems: 'the marks’ change in cash differs from the trades’ cash flow by -20.00 (tolerance 0.5)',
      },
    ]);
    const points = (await metrics()).filter((m) => m.name === 'pnl_reconciliation_breach');
    expect(Object.fromEntries(points.map((m) => [m.labels['portfolio'], m.value]))).toEqual({
      [good]: 0,
      [off]: 1,
      [fresh]: 1,
    });
    expect(points.every((m) => m.labels['env'] === 'paper' && m.ts === day)).toBe(true);
  });
});

describe('trading-window-check', () => {
  // Monday 2025-03-10, the day after New York moved to EDT (UTC-4): 09:30-16:00 is 13:30Z-20:00Z.
  const open = Date.UTC(2025, 2, 10, 13, 30);
  const close = Date.UTC(2025, 2, 10, 20);
  const params = (strategy: string) => ({
    strategy,
    window: { start: '09:30', end: '16:00' },
    timezone: 'America/New_York',
  });
  // As the freshness processor writes them: ts = the finish, with the duration.
  const cycle = (strategy: string, start: number, status = 'success'): SinkRow => ({
    table: 'inference_cycles',
    ts: start + 5 * M,
    symbols: { strategy, env: 'prod', cycle_id: `${strategy}-${start}`, status, model_version: 'm1' },
    columns: { duration_ms: 5 * M, as_of: start },
  });

  it('passes a strategy whose cycles run through the window', async () => {
    const strategy = uniqueName('tw-ok');
    // Every 15 min from 13:30Z to 19:45Z (26 cycles), each 5 min long: the last finishes 19:50Z.
    const cycles = Array.from({ length: 26 }, (_, i) => cycle(strategy, open + i * 15 * M));
    await insert(cycles, 'inference_cycles', `strategy = '${strategy}'`);
    const { summary, metrics } = await runTemplate('trading-window-check', params(strategy), close + 30 * M);
    expect(summary).toMatchObject({
      ok: true,
      cycles: 26,
      window_start: '2025-03-10T13:30:00.000Z',
      window_end: '2025-03-10T20:00:00.000Z',
    });
    const points = (await metrics()).filter((m) => m.labels['strategy'] === strategy);
    expect(points).toEqual([
      { name: 'trading_window_violation', labels: { strategy, env: 'prod' }, value: 0, ts: open },
    ]);
  });

  it('flags a late start, a silence, a failure and a cycle outside the window', async () => {
    const strategy = uniqueName('tw-bad');
    const starts = [20, 35, 50, 65, 140, 155, 380].map((m) => open + m * M); // 13:50Z ... 19:50Z
    await insert(
      [
        ...starts.map((s, i) => cycle(strategy, s, i === 1 ? 'failure' : 'success')),
        cycle(strategy, close + 60 * M), // 21:00Z, 17:00 local: outside
      ],
      'inference_cycles',
      `strategy = '${strategy}'`,
    );
    const { summary } = await runTemplate('trading-window-check', params(strategy), close + 2 * H);
    expect(summary).toMatchObject({ ok: false, cycles: 7, problems: 4 });
    await sink.waitForRows('trading_window_checks', `strategy = '${strategy}'`, 1);
    const [row] = await rowsOf(
      `SELECT cycles, failed_cycles, outside_cycles, max_gap_ms, ok, problems FROM trading_window_checks WHERE strategy = '${strategy}'`,
    );
    expect(row).toEqual({
      cycles: 7,
      failed_cycles: 1,
      outside_cycles: 1,
      // From 14:55Z (65 min) to 16:10Z (140 min): 75 min; the start and end gaps are shorter... but
      // 16:25Z (155) to 19:50Z (380) is 225 min, the longest.
      max_gap_ms: 225 * M,
      ok: false,
      problems: [
        'the first cycle started 20m after the window opened (tolerance 10m)',
        '1 cycle(s) started outside the window',
        'no cycle started for 3h45m inside the window (limit 15m)',
        '1 cycle(s) failed (tolerated: 0)',
      ].join('\n'),
    });
  });

  it('judges no session on a day its calendar closes: a weekend, a holiday, a holidays file', async () => {
    const strategy = uniqueName('tw-cal');
    const weekdays = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] };
    // Sunday 2025-03-09, after the window's end: no cycle at all, and nothing is judged.
    const sunday = Date.UTC(2025, 2, 9, 21);
    const { summary, metrics } = await runTemplate(
      'trading-window-check',
      { ...params(strategy), calendar: weekdays },
      sunday,
    );
    expect(summary).toEqual({
      window_start: '2025-03-09T13:30:00.000Z',
      skipped: 'no session: 2025-03-09 is a sun, not a trading weekday',
    });
    expect((await metrics()).filter((m) => m.labels['strategy'] === strategy)).toEqual([]);
    // Monday 2025-03-10 as a listed holiday, then in a holidays file.
    const holiday = await runTemplate(
      'trading-window-check',
      { ...params(strategy), calendar: { ...weekdays, holidays: ['2025-03-10'] } },
      close + 30 * M,
    );
    expect(holiday.summary['skipped']).toBe('no session: 2025-03-10 is a holiday');
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-holidays-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'holidays.txt');
    await writeFile(file, '# NYSE, made up\n2025-01-01\n2025-03-10 # a Monday\n');
    const fromFile = await runTemplate(
      'trading-window-check',
      { ...params(strategy), calendar: { ...weekdays, holidays_file: file } },
      close + 30 * M,
    );
    expect(fromFile.summary['skipped']).toBe(`no session: 2025-03-10 is a holiday (${file})`);
    // A bad line is reported with its number.
    await writeFile(file, '2025-01-01\n2025-13-01\n');
    await expect(
      runTemplate(
        'trading-window-check',
        { ...params(strategy), calendar: { holidays_file: file } },
        close + 30 * M,
      ),
    ).rejects.toThrow(`${file}:2: expected a date YYYY-MM-DD, found "2025-13-01"`);
    // The same Sunday without a calendar (every day open, as crypto trades) is judged: no cycle.
    const open7 = await runTemplate('trading-window-check', params(strategy), sunday);
    expect(open7.summary).toMatchObject({ ok: false, cycles: 0 });
  });
});

describe('backtest-fanout', () => {
  it('enqueues one task per slice of the request file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-bt-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'request.yaml');
    await writeFile(
      file,
      [
        'id: mom-q1',
        'strategy: momentum',
        'from: 2025-01-01T00:00:00Z',
        'to: 2025-01-22T00:00:00Z',
        'universe: [BTC-USD, ETH-USD, SOL-USD]',
        'slice: { every: 7d, assets: 2 }',
        'parameters: { lookback: 20 }',
      ].join('\n'),
    );
    const { summary, prefix } = await runTemplate('backtest-fanout', { request: file }, T0);
    // 3 weeks x 2 asset groups ([BTC, ETH], [SOL]) = 6 tasks.
    expect(summary).toMatchObject({ backtest: 'mom-q1', tasks: 6 });
    const tasks = await readTopic(physicalName('backtest.tasks', prefix), 'BacktestTask');
    expect(
      tasks.map((t) => [t.task_id, new Date(t.from).toISOString().slice(0, 10), t.assets.join('+')]).sort(),
    ).toEqual([
      ['mom-q1/0', '2025-01-01', 'BTC-USD+ETH-USD'],
      ['mom-q1/1', '2025-01-01', 'SOL-USD'],
      ['mom-q1/2', '2025-01-08', 'BTC-USD+ETH-USD'],
      ['mom-q1/3', '2025-01-08', 'SOL-USD'],
      ['mom-q1/4', '2025-01-15', 'BTC-USD+ETH-USD'],
      ['mom-q1/5', '2025-01-15', 'SOL-USD'],
    ]);
    expect(tasks[0]).toMatchObject({
      slice_count: 6,
      strategy: 'momentum',
      parameters_json: '{"lookback":20}',
      requested_by: 'job:tpl',
    });
  });

  it('enqueues a version 2 config as one task per time slice, for backtest workers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-bt-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'config.yaml');
    await writeFile(
      file,
      [
        'version: 2',
        'id: mom-v2',
        'strategy: momentum',
        'env: prod',
        'from: 2025-01-01T00:00:00Z',
        'to: 2025-01-22T00:00:00Z',
        'horizon: 1d',
        'universe: all',
        'factors: [{ name: model_score, weight: 1 }]',
        'selection: { k: 5 }',
        'slice: { every: 7d }',
      ].join('\n'),
    );
    const { summary, prefix } = await runTemplate('backtest-fanout', { request: file }, T0);
    expect(summary).toMatchObject({ backtest: 'mom-v2', version: 2, tasks: 3 });
    const tasks = await readTopic(physicalName('backtest.tasks', prefix), 'BacktestTask');
    expect(tasks.map((t) => [t.task_id, new Date(t.from).toISOString().slice(0, 10)]).sort()).toEqual([
      ['mom-v2/0', '2025-01-01'],
      ['mom-v2/1', '2025-01-08'],
      ['mom-v2/2', '2025-01-15'],
    ]);
    expect(tasks[0]).toMatchObject({ slice_count: 3, requested_by: 'job:tpl' });
    expect(JSON.parse(tasks[0]!.parameters_json) as unknown).toMatchObject({ version: 2, id: 'mom-v2' });
  });
});
