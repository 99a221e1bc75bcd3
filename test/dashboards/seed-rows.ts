/**
 * Rows for the dashboards' tests, made by the pipeline's own processors on the virtual runner (the
 * processors `tradewatch run` runs, wired as live: drawdown → rules, baseline reading its PnL points
 * back, freshness with its timers, the three precision@K stages → rules) over one scripted day,
 * 2026-01-05, plus the scheduler's rows: `job_runs` from its run events (scheduler/run-events.ts) and
 * the templates' tables, written as the templates write them; the history processor's rows of the
 * demo's paper strategy over the day (seed.ts backtests them, for the Backtests dashboard); and the
 * metric-points processor's rows of the drawdown points and of the connectors' data-quality points,
 * named and labelled as connectors/run/connector-runner.ts publishes them. seed.ts adds the
 * telemetry a live runner writes (dead letters, late records, progress).
 */
import { demoHistory } from '../../cli/commands/demo-history.ts';
import { createDrawdownProcessor } from '../../processors/drawdown/index.ts';
import { createHistoryProcessor } from '../../processors/history/index.ts';
import { createMetricPointsProcessor } from '../../processors/metric-points/index.ts';
import {
  createBaselineProcessor,
  loadBaselineOptions,
  DEFAULT_BASELINE_FILE,
} from '../../processors/baseline/index.ts';
import { createFreshnessProcessor, parseFreshnessConfig } from '../../processors/freshness/index.ts';
import { DEFAULT_RANKING_FILE, loadRankingOptions } from '../../processors/ranking/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import type { SinkRow } from '../../processors/contract.ts';
import { VirtualRunner } from '../../runtime/processor/index.ts';
import { runEventRow } from '../../scheduler/run-events.ts';
import type { InferenceCycle, IngestRun, JobRun, Metric, PortfolioMark, Trade } from '../../schemas/index.ts';
import { crashAndRecovery, PATH_START } from '../helpers/equity-paths.ts';
import { rankingInputs, rankingReference } from '../processors/ranking/pipeline-data.ts';

/** 2026-01-05T00:00:00Z: the day the rows are about. */
export const DAY0 = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The demo strategy's history: hourly cycles of the day, backtested by seed.ts. */
export const SEED_HISTORY = { end: DAY0 + DAY, cycles: 24, env: 'prod' } as const;

/** The range every row falls in (a test's dashboard time range). */
export const SEED_RANGE = { from: DAY0 - HOUR, to: DAY0 + DAY + 6 * HOUR };

export interface SeedRows {
  readonly rows: SinkRow[];
  readonly strategies: readonly string[];
  readonly portfolios: readonly string[];
}

/** A 15% fall in 15 minutes that stays down: both drawdown alerts fire and are still firing at the end. */
function crashAndStay(portfolio: string, env: PortfolioMark['env'], start: number): PortfolioMark[] {
  return Array.from({ length: 30 }, (_, minute) => ({
    portfolio,
    env,
    ts: start + minute * MINUTE,
    equity: 500_000 * (1 - 0.01 * Math.min(minute, 15)),
    cash: 100_000,
  }));
}

const FRESHNESS_YAML = `
version: 1
env: prod
heartbeat_interval: 1m
report_every: 30m
sources:
  - topic: inference.cycles
    cadence: 15m
    slack: 5m
    weights_max_age: 8d
  - topic: ingest.runs
    cadence: 1h
    slack: 30m
    partial: failure
  - topic: heartbeats
    cadence: heartbeat
    slack: 1m
    forget_after: 1d
`;

type Input =
  | { topic: 'inference.cycles'; at: number; key: string; record: InferenceCycle }
  | { topic: 'trades'; at: number; key: string; record: Trade }
  | { topic: 'ingest.runs'; at: number; key: string; record: IngestRun }
  | { topic: 'heartbeats'; at: number; key: string; record: Metric };

function strategyInputs(strategies: readonly { name: string; env: 'prod' | 'paper' }[]): Input[] {
  const inputs: Input[] = [];
  for (const [s, { name, env }] of strategies.entries()) {
    for (let i = 0; i < 48; i++) {
      const asOf = DAY0 + i * 15 * MINUTE;
      const failed = i === 30 + s || i === 31 + s;
      const latency = 800 + ((i * 37) % 400) + (i === 40 ? 5000 : 0);
      inputs.push({
        topic: 'inference.cycles',
        at: asOf + 500 + latency,
        key: name,
        record: {
          cycle_id: `${name}-fresh-${i}`,
          strategy: name,
          env,
          model_version: 'm1',
          weights_version: 'w7',
          weights_updated_at: DAY0 - 2 * DAY,
          as_of: asOf,
          started_at: asOf + 500,
          finished_at: asOf + 500 + latency,
          status: failed ? 'failure' : 'success',
          error: failed ? 'feature store timed out' : null,
          horizon_ms: HOUR,
          metrics: { feature_nan_ratio: 0.01 + ((i * 13) % 7) / 1000 + (i === 44 ? 0.2 : 0) },
          predictions: [],
        },
      });
    }
    const trade = (id: string, side: 'buy' | 'sell', price: number, ts: number): Input => ({
      topic: 'trades',
      at: ts,
      key: `pf-${name}`,
      record: {
        trade_id: `${name}-${id}`,
        order_id: `${name}-o-${id}`,
        client_order_id: null,
        strategy: name,
        env,
        portfolio: `pf-${name}`,
        asset: 'BTC-USD',
        side,
        quantity: 1,
        price,
        notional: price,
        quote_currency: 'USD',
        fee: 0,
        fee_currency: 'USD',
        ts,
      } as Trade,
    });
    inputs.push(trade('t1', 'buy', 100, DAY0 + HOUR));
    inputs.push(trade('t2', 'sell', 110 + 5 * s, DAY0 + 5 * HOUR));
    inputs.push(trade('t3', 'buy', 120, DAY0 + DAY + 2 * HOUR));
  }
  for (let h = 0; h <= 12; h++) {
    const finished = DAY0 + h * HOUR + 5 * MINUTE;
    const failed = h >= 3 && h <= 6;
    inputs.push({
      topic: 'ingest.runs',
      at: finished,
      key: 'prices',
      record: {
        ingest: 'prices',
        env: 'prod',
        run_id: `prices-${h}`,
        started_at: finished - 2 * MINUTE,
        finished_at: finished,
        status: failed ? 'failure' : 'success',
        rows: failed ? 0 : 1000 + h,
        duration_ms: 2 * MINUTE,
        error: failed ? 'upstream 503' : null,
        data_until: DAY0 + h * HOUR,
      },
    });
  }
  for (let m = 0; m <= 120; m++) {
    const ts = DAY0 + 10 * HOUR + m * MINUTE;
    inputs.push({
      topic: 'heartbeats',
      at: ts,
      key: 'i-dash-1',
      record: { name: 'tradewatch_heartbeat', labels: { instance: 'i-dash-1' }, value: 1, ts },
    });
  }
  return inputs.sort((a, b) => a.at - b.at);
}

/** Every row the processors and the scheduler write for the scripted day. */
export async function seedRows(suffix: string): Promise<SeedRows> {
  const rules = await loadRules(DEFAULT_RULES_FILE);
  const rows: SinkRow[] = [];

  // Portfolios: drawdown → rules.
  const portfolios = [`alpha-pf-${suffix}`, `gamma-pf-${suffix}`];
  const drawdown = new VirtualRunner([
    createDrawdownProcessor(),
    createRulesProcessor(rules),
    createMetricPointsProcessor(),
  ]);
  drawdown.feedAll('portfolio.marks', crashAndRecovery(portfolios[0]!, 'prod', PATH_START));
  drawdown.feedAll('portfolio.marks', crashAndStay(portfolios[1]!, 'paper', PATH_START));
  rows.push(...drawdown.rows());

  // Ranking: the three precision@K stages → rules (the e2e test's inputs and reference).
  const inputs = rankingInputs(suffix);
  const ranking = await rankingReference(inputs, await loadRankingOptions(DEFAULT_RANKING_FILE));
  for (const list of ranking.rows.values()) rows.push(...list);
  const strategies = inputs.strategies.map((s) => ({ name: s.name, env: s.env }));

  // Strategies and sources: baseline (reading its PnL points back) and freshness, on the wall clock.
  const live = new VirtualRunner([
    createBaselineProcessor(await loadBaselineOptions(DEFAULT_BASELINE_FILE)),
    createFreshnessProcessor(parseFreshnessConfig(FRESHNESS_YAML, 'dashboards-seed.yaml')),
    createRulesProcessor(rules),
  ]);
  live.clock.set(DAY0 - MINUTE);
  for (const input of strategyInputs(strategies)) {
    if (input.at > live.clock.now()) live.advanceTo(input.at);
    live.feed(input.topic, input.record, { key: input.key });
  }
  live.advanceTo(DAY0 + DAY + 4 * HOUR);
  rows.push(...live.rows());

  rows.push(...schedulerRows(suffix, strategies, portfolios, ranking.rows.get('ranking_scores') ?? []));

  // History (cycles, outcomes, signals with the Kafka timestamps they became known at) for a backtest.
  const history = new VirtualRunner(createHistoryProcessor());
  for (const m of demoHistory(SEED_HISTORY.end, SEED_HISTORY.cycles, SEED_HISTORY.env))
    history.push(m.topic, m.value, { key: m.key, timestamp: m.timestamp });
  rows.push(...history.rows());

  // The connectors' data-quality points, through the metric-points processor into `metrics`.
  const points = new VirtualRunner(createMetricPointsProcessor());
  for (const metric of connectorMetrics(suffix)) points.push('metrics', metric, { timestamp: metric.ts });
  rows.push(...points.rows());
  return { rows, strategies: strategies.map((s) => s.name), portfolios };
}

/** Four runs of two connectors over the day, their points as the connector runner publishes them. */
function connectorMetrics(suffix: string): Metric[] {
  const points: Metric[] = [];
  for (const [c, connector] of [`github-${suffix}`, `coinmetrics-${suffix}`].entries()) {
    const labels = { connector, env: 'prod' };
    for (let run = 0; run < 4; run++) {
      const ts = DAY0 + (2 + 6 * run) * HOUR + c * MINUTE;
      const drift = c === 0 && run === 2 ? 2 : 0;
      points.push({
        name: 'schema_drift',
        labels: {
          ...labels,
          endpoint: c === 0 ? 'repos/commits' : 'timeseries/asset-metrics',
          fields: drift ? 'author.login,stats' : '',
        },
        value: drift,
        ts,
      });
      const broken = run === 1 ? 3 + c : 0;
      const check = { ...labels, signal: c === 0 ? 'commits_week' : 'sply_cur', check: 'not_null' };
      points.push({ name: 'expectation_violations', labels: check, value: broken, ts });
      points.push({ name: 'expectation_failed', labels: check, value: broken > 3 ? 1 : 0, ts });
      points.push({ name: 'connector_rows', labels, value: 40 + run, ts });
      points.push({ name: 'connector_requests', labels, value: 5, ts });
      points.push({
        name: 'connector_quarantined_payloads',
        labels,
        value: run === 3 && c === 1 ? 1 : 0,
        ts,
      });
      if (run > 0) points.push({ name: 'connector_volume_zscore', labels, value: 0.5 * run - c, ts });
      points.push({ name: 'connector_data_age_ms', labels, value: (20 + 5 * run) * MINUTE * (c + 1), ts });
    }
  }
  return points;
}

function schedulerRows(
  suffix: string,
  strategies: readonly { name: string; env: 'prod' | 'paper' }[],
  portfolios: readonly string[],
  scores: readonly SinkRow[],
): SinkRow[] {
  const rows: SinkRow[] = [];
  const job = (
    name: string,
    template: string,
    hour: number,
    outcome: JobRun['outcome'],
    attempt = 1,
  ): JobRun => {
    const scheduled = DAY0 + hour * HOUR;
    const failed = outcome !== 'succeeded' && outcome !== 'skipped';
    return {
      job: `${name}-${suffix}`,
      template,
      env: 'prod',
      scheduled_at: scheduled,
      trigger: 'schedule',
      attempt: outcome === 'skipped' ? 0 : attempt,
      max_attempts: 2,
      instance: 'sched-1',
      started_at: outcome === 'skipped' ? null : scheduled + 1500,
      finished_at: scheduled + 1500 + 4000 * hour,
      outcome,
      final: !(failed && attempt === 1),
      next_attempt_at: failed && attempt === 1 ? scheduled + 60_000 : null,
      error: failed ? 'QuestDB did not answer' : null,
      duration_ms: outcome === 'skipped' ? null : 4000 * hour,
      delay_ms: 1500,
      summary: { rows: String(hour) },
    };
  };
  for (let h = 1; h <= 20; h++) {
    rows.push(runEventRow(job('risk', 'risk-check', h, h === 7 ? 'failed' : 'succeeded')));
    if (h % 6 === 0)
      rows.push(runEventRow(job('pnl', 'pnl-reconciliation', h, h === 12 ? 'timed_out' : 'succeeded')));
  }
  rows.push(runEventRow(job('risk', 'risk-check', 7, 'succeeded', 2)));
  rows.push(runEventRow(job('precision', 'precision-daily', 21, 'skipped')));

  // precision-daily: the day's scores per strategy, env and K (as the template aggregates them).
  const days = new Map<string, { strategy: string; env: string; k: string; values: SinkRow[] }>();
  for (const s of scores) {
    const id = `${s.symbols['strategy']}|${s.symbols['env']}|${s.symbols['k']}`;
    const entry = days.get(id) ?? {
      strategy: s.symbols['strategy']!,
      env: s.symbols['env']!,
      k: s.symbols['k']!,
      values: [],
    };
    entry.values.push(s);
    days.set(id, entry);
  }
  const mean = (list: readonly SinkRow[], column: string) =>
    list.reduce((sum, r) => sum + Number(r.columns[column]), 0) / list.length;
  for (const d of days.values()) {
    const precision = d.values.map((r) => Number(r.columns['precision_at_k']));
    rows.push({
      table: 'precision_daily',
      ts: DAY0,
      symbols: { strategy: d.strategy, env: d.env, k: d.k },
      columns: {
        cycles: d.values.length,
        precision_mean: mean(d.values, 'precision_at_k'),
        precision_min: Math.min(...precision),
        precision_max: Math.max(...precision),
        recall_mean: mean(d.values, 'recall_at_k'),
        hit_rate: mean(d.values, 'hit_at_k'),
        ndcg_mean: mean(d.values, 'ndcg_at_k'),
      },
    });
  }

  for (const [i, portfolio] of portfolios.entries()) {
    const env = i === 0 ? 'prod' : 'paper';
    rows.push({
      table: 'pnl_reconciliation',
      ts: DAY0,
      symbols: { portfolio, env, status: i === 0 ? 'ok' : 'breach' },
      columns: {
        day_end: DAY0 + DAY,
        opening_ts: DAY0 - MINUTE,
        closing_ts: DAY0 + DAY - MINUTE,
        equity_open: 1_000_000,
        equity_close: 1_000_010 + 40 * i,
        pnl_marks: 10 + 40 * i,
        cash_open: 100_000,
        cash_close: 100_010,
        cash_change: 10,
        trade_cash_flow: 10,
        buy_notional: 100,
        sell_notional: 110,
        fees: 0,
        trades: 2,
        difference: 40 * i,
        tolerance: 1,
        problems: i === 0 ? null : 'marks and trades differ by 40.00 (tolerance 1.00)',
      },
    });
    for (let h = 13; h <= 16; h++) {
      const breach = i === 1 && h >= 15;
      rows.push({
        table: 'risk_checks',
        ts: DAY0 + h * HOUR,
        symbols: { portfolio, env },
        columns: {
          equity: 500_000,
          cash: 100_000,
          exposure: 0.8 + 0.01 * h,
          drawdown_daily: breach ? 0.15 : 0.02,
          max_drawdown: breach ? 0.15 : 0.03,
          mark_age_ms: 30_000,
          breach,
          problems: breach ? 'daily drawdown 15.00% over the 10.00% limit' : null,
        },
      });
    }
  }
  for (const [i, s] of strategies.entries()) {
    rows.push({
      table: 'trading_window_checks',
      ts: DAY0 + 8 * HOUR,
      symbols: { strategy: s.name, env: s.env },
      columns: {
        window_end: DAY0 + 16 * HOUR,
        first_start: DAY0 + 8 * HOUR + MINUTE,
        last_finish: DAY0 + 16 * HOUR - MINUTE,
        cycles: 32,
        failed_cycles: 2 * i,
        outside_cycles: 0,
        max_gap_ms: 15 * MINUTE + i * HOUR,
        ok: i === 0,
        problems: i === 0 ? null : 'a gap of 1h15m without a cycle',
      },
    });
  }
  return rows;
}
