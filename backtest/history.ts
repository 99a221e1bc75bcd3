/**
 * Reading a backtest's history from QuestDB (the `history_*` tables the history processor writes),
 * point in time: every query bounds `ingested_at` (the Kafka timestamp: when a row became known), and
 * the engine then takes at each decision time t only the signal rows with `ingested_at <= t`
 * (backtest/engine/signals.ts). Cycles and outcomes are taken as known at `knownAt` (the run's cut-off,
 * recorded in the manifest): a cycle's predictions are the decision at its as_of; an outcome is the
 * evaluation, never an input of a decision.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_NAMESPACE, type Namespace } from '../core/namespace.ts';
import type { QuestDbEndpoint } from '../sinks/questdb/endpoint.ts';
import { exec } from '../sinks/questdb/exec.ts';
import type { BacktestConfig } from './config.ts';
import {
  rebalanceCycles,
  sliceInputs,
  type BacktestInputs,
  type HistoryCycle,
  type HistoryOutcome,
  type HistorySignal,
} from './engine/index.ts';
import { canonicalJson } from './request.ts';

export interface HistorySource {
  readonly endpoint: QuestDbEndpoint;
  /** Whose tables (default: the default environment's). */
  readonly namespace?: Namespace;
  /** Rows known after this (epoch ms) are left out. */
  readonly knownAt: number;
  /** Deadline of each query, ms (default 120 000). */
  readonly timeoutMs?: number;
}

/** What was read, and a digest of each query's result (for the manifest and the version). */
export interface History {
  readonly inputs: BacktestInputs;
  readonly digests: Readonly<Record<string, string>>;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const at = (ms: number): string => quote(new Date(ms).toISOString());
const time = (v: unknown): number => Date.parse(String(v));

/** The SQL of each query (exported for the tests and `backtest show`). */
export function historyQueries(
  config: BacktestConfig,
  range: readonly [number, number],
  knownAt: number,
  ns: Namespace = DEFAULT_NAMESPACE,
): Record<'cycles' | 'predictions' | 'outcomes' | 'signals', string> {
  const [from, to] = range;
  const who = `strategy = ${quote(config.strategy)} AND env = ${quote(config.env)}`;
  const horizon = `horizon_ms = ${config.horizonMs}`;
  const known = `ingested_at <= ${at(knownAt)}`;
  const universe = config.universe === null ? '' : ` AND asset IN (${config.universe.map(quote).join(', ')})`;
  const signals = config.factors.flatMap((f) => (f.kind === 'signal' ? [f] : []));
  const ages = signals.map((f) => f.maxAgeMs);
  // The oldest event time any decision in the range may use (none without a max_age).
  const oldest = ages.includes(null) ? null : from - Math.max(0, ...(ages as number[]));
  const names = signals.map((f) => `(source = ${quote(f.source)} AND name = ${quote(f.signal)})`);
  return {
    // Every cycle from the start of the run: a rebalance's place depends on the previous one.
    cycles:
      `SELECT cycle_id, ts, horizon_ms, status, ingested_at FROM ${ns.table('history_cycles')} ` +
      `WHERE ${who} AND ${horizon} AND ts >= ${at(config.from)} AND ts < ${at(to)} AND ${known} ` +
      'ORDER BY ts, cycle_id',
    predictions:
      `SELECT cycle_id, asset, score, rank FROM ${ns.table('history_predictions')} ` +
      `WHERE ${who} AND ${horizon} AND ts >= ${at(from)} AND ts < ${at(to)} AND ${known} ` +
      'ORDER BY ts, cycle_id, rank, asset',
    outcomes:
      `SELECT asset, ts, horizon_ms, forward_return, ingested_at FROM ${ns.table('history_outcomes')} ` +
      `WHERE ${horizon} AND ts >= ${at(from)} AND ts < ${at(to)} AND ${known} ` +
      'ORDER BY ts, asset, ingested_at',
    signals:
      names.length === 0
        ? ''
        : `SELECT source, name, asset, value, ts, ingested_at, labels FROM ${ns.table('history_signals')} ` +
          `WHERE (${names.join(' OR ')})${universe} AND ts < ${at(to)}` +
          (oldest === null ? '' : ` AND ts >= ${at(oldest)}`) +
          // Known before the range's last decision time (and at the cut-off).
          ` AND ingested_at < ${at(to)} AND ${known} ORDER BY ts, source, name, asset, ingested_at, labels`,
  };
}

const digest = (rows: readonly Record<string, unknown>[]): string =>
  createHash('sha256').update(canonicalJson(rows)).digest('hex');

/** Reads the history of `range` ([from, to) of the decision times; default the whole run). */
export async function readHistory(
  source: HistorySource,
  config: BacktestConfig,
  range: readonly [number, number] = [config.from, config.to],
): Promise<History> {
  const sql = historyQueries(config, range, source.knownAt, source.namespace);
  const options = { timeoutMs: source.timeoutMs ?? 120_000 };
  const run = async (query: string) =>
    query === '' ? [] : (await exec(source.endpoint, query, options)).rows;
  const [cycleRows, predictionRows, outcomeRows, signalRows] = await Promise.all([
    run(sql.cycles),
    run(sql.predictions),
    run(sql.outcomes),
    run(sql.signals),
  ]);
  const predictions = new Map<string, { asset: string; score: number; rank: number }[]>();
  for (const r of predictionRows) {
    const id = String(r['cycle_id']);
    let list = predictions.get(id);
    if (list === undefined) predictions.set(id, (list = []));
    list.push({ asset: String(r['asset']), score: Number(r['score']), rank: Number(r['rank']) });
  }
  const cycles: HistoryCycle[] = cycleRows.map((r) => ({
    cycleId: String(r['cycle_id']),
    asOf: time(r['ts']),
    horizonMs: Number(r['horizon_ms']),
    status: r['status'] === 'success' ? 'success' : 'failure',
    ingestedAt: time(r['ingested_at']),
    predictions: predictions.get(String(r['cycle_id'])) ?? [],
  }));
  const outcomes: HistoryOutcome[] = outcomeRows.map((r) => ({
    asset: String(r['asset']),
    asOf: time(r['ts']),
    horizonMs: Number(r['horizon_ms']),
    forwardReturn: Number(r['forward_return']),
    ingestedAt: time(r['ingested_at']),
  }));
  const signals: HistorySignal[] = signalRows.map((r) => ({
    asset: String(r['asset']),
    source: String(r['source']),
    name: String(r['name']),
    value: Number(r['value']),
    eventTime: time(r['ts']),
    ingestedAt: time(r['ingested_at']),
  }));
  return {
    inputs: { cycles, outcomes, signals },
    digests: {
      cycles: digest(cycleRows),
      predictions: digest(predictionRows),
      outcomes: digest(outcomeRows),
      signals: digest(signalRows),
    },
  };
}

/**
 * What the slice [from, to) of a run needs (engine's sliceInputs: its scheduled cycles, their outcomes,
 * the signals visible at their times), read on its own: a worker of the pool, or `run` slice by slice.
 */
export async function readSliceHistory(
  source: HistorySource,
  config: BacktestConfig,
  range: readonly [number, number],
): Promise<History> {
  const history = await readHistory(source, config, range);
  const schedule = rebalanceCycles(history.inputs.cycles, config);
  return { inputs: sliceInputs(history.inputs, config, range, schedule), digests: history.digests };
}

/** The digests of a sliced run: per query, SHA-256 of the slices' digests in slice order. */
export function combineDigests(slices: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const names = [...new Set(slices.flatMap((d) => Object.keys(d)))].sort();
  return Object.fromEntries(
    names.map((name) => [
      name,
      createHash('sha256')
        .update(slices.map((d) => d[name] ?? '').join('\n'))
        .digest('hex'),
    ]),
  );
}
