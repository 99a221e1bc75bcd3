/**
 * The demo's history: two days of hourly inference cycles of a paper strategy over six assets, their
 * outcomes and a daily GitHub signal, each with a fixed Kafka timestamp (when it became known), so
 * the history processor writes the same rows on every run; and the backtest the demo runs over them.
 */
import path from 'node:path';
import type { Environment, InferenceCycle, Outcome, Signal } from '../../schemas/index.ts';
import { parseBacktestConfig, type BacktestConfig } from '../../backtest/config.ts';
import type { BacktestMetrics } from '../../backtest/result.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
export const DEMO_STRATEGY = 'demo-momentum';
const ASSETS = ['ADA-USD', 'BTC-USD', 'DOT-USD', 'ETH-USD', 'LINK-USD', 'SOL-USD'] as const;
/** Two days of hourly cycles, unless told. */
const CYCLES = 48;
/** Where the demo's backtest artifacts go, under the working directory (git-ignored). */
export const DEMO_ARTIFACTS = path.join('.tradewatch', 'demo-artifacts');

/** A record of the demo's history, its topic and its Kafka timestamp (when it became known). */
export interface HistoryMessage {
  readonly topic: 'inference.cycles' | 'outcomes' | 'signals';
  readonly key: string;
  readonly timestamp: number;
  readonly value: InferenceCycle | Outcome | Signal;
}

/** A deterministic value in [-1, 1) of (i, j): the demo needs no random source. */
function wobble(i: number, j: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + j * 78.233 + salt * 37.719) * 43_758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/**
 * The cycles (as_of every hour of the `cycles` hours before `end`, known a minute later), the outcomes of
 * every asset (known a minute after as_of + 1h) and one signal per asset and day. The model's score
 * and the forward return share a hidden edge, so the ranking is right more often than not.
 */
export function demoHistory(end: number, cycles = CYCLES, env: Environment = 'paper'): HistoryMessage[] {
  const start = end - cycles * HOUR;
  const messages: HistoryMessage[] = [];
  for (let i = 0; i < cycles; i++) {
    const asOf = start + i * HOUR;
    const edges = ASSETS.map((_, a) => wobble(i, a, 1));
    const scored = ASSETS.map((asset, a) => ({
      asset,
      score: round(edges[a]! + 0.9 * wobble(i, a, 2), 4),
    })).sort((x, y) => y.score - x.score || x.asset.localeCompare(y.asset));
    messages.push({
      topic: 'inference.cycles',
      key: DEMO_STRATEGY,
      timestamp: asOf + MINUTE,
      value: {
        cycle_id: `demo-${new Date(asOf).toISOString()}`,
        strategy: DEMO_STRATEGY,
        env,
        model_version: 'demo-m1',
        weights_version: null,
        weights_updated_at: null,
        as_of: asOf,
        started_at: asOf,
        finished_at: asOf + 30_000,
        status: 'success',
        error: null,
        horizon_ms: HOUR,
        metrics: { latency_ms: 30_000 },
        predictions: scored.map((p, rank) => ({ ...p, rank: rank + 1 })),
      },
    });
    for (const [a, asset] of ASSETS.entries()) {
      messages.push({
        topic: 'outcomes',
        key: asset,
        timestamp: asOf + HOUR + MINUTE,
        value: {
          asset,
          as_of: asOf,
          horizon_ms: HOUR,
          forward_return: round(0.004 * edges[a]! + 0.006 * wobble(i, a, 3) + 0.0005, 6),
        },
      });
    }
  }
  for (let day = 0; day < Math.ceil(cycles / 24); day++) {
    const ts = start + day * 24 * HOUR - HOUR;
    for (const [a, asset] of ASSETS.entries()) {
      messages.push({
        topic: 'signals',
        key: asset,
        timestamp: ts + 5 * MINUTE,
        value: {
          source: 'github',
          asset,
          name: 'commit_velocity',
          value: round(20 + 15 * wobble(day, a, 4), 2),
          unit: 'commits/day',
          ts,
          labels: { repo: `${asset.split('-')[0]!.toLowerCase()}/core` },
          flags: [],
        },
      });
    }
  }
  return messages;
}

/** The history rows the messages become (history_cycles, _predictions, _outcomes, _signals). */
export function demoHistoryRows(messages: readonly HistoryMessage[]): Record<string, number> {
  const count = (topic: HistoryMessage['topic']) => messages.filter((m) => m.topic === topic).length;
  return {
    history_cycles: count('inference.cycles'),
    history_predictions: count('inference.cycles') * ASSETS.length,
    history_outcomes: count('outcomes'),
    history_signals: count('signals'),
  };
}

/** The demo's backtest: the model's score and the GitHub signal, the top 2 of 6, hourly, with costs. */
export function demoBacktestConfig(end: number, cycles = CYCLES, env: Environment = 'paper'): BacktestConfig {
  const iso = (ms: number) => new Date(ms).toISOString();
  return parseBacktestConfig(
    [
      'version: 2',
      `id: ${DEMO_STRATEGY}`,
      `strategy: ${DEMO_STRATEGY}`,
      `env: ${env}`,
      `from: ${iso(end - cycles * HOUR)}`,
      `to: ${iso(end)}`,
      'horizon: 1h',
      'factors:',
      '  - { name: model_score, weight: 1.0 }',
      '  - { name: signal:github.commit_velocity, weight: 0.3, max_age: 2d }',
      'selection: { k: 2, weighting: equal }',
      'costs: { fee_bps: 10, slippage_bps: 5 }',
      'metrics: { ks: [1, 2, 3] }',
      '',
    ].join('\n'),
    '<the demo backtest>',
  );
}

/** One line of the headline metrics: `total return 1.23%, Sharpe 4.56, ...`. */
export function metricsLine(m: BacktestMetrics): string {
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
  const num = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  return [
    `periods ${m.periods}`,
    `total return ${pct(m.total_return)}`,
    `Sharpe ${num(m.sharpe)}`,
    `max drawdown ${pct(m.max_drawdown)}`,
    `hit rate ${pct(m.hit_rate)}`,
    `precision@2 ${num(m.precision_at_k['2'] ?? null)}`,
    `rank IC ${num(m.rank_ic)}`,
  ].join(', ');
}
