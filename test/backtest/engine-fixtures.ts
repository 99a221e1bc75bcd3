/** Configs and history for the engine tests. */
import { parseBacktestConfig, type BacktestConfig } from '../../backtest/config.ts';
import type {
  BacktestInputs,
  HistoryCycle,
  HistoryOutcome,
  HistorySignal,
} from '../../backtest/engine/index.ts';

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const H = 3_600_000;

/** A version 2 config over [from, to) with `extra` YAML lines (after the required ones). */
export function config(
  extra: string,
  from = '2025-01-01T00:00:00Z',
  to = '2025-01-02T00:00:00Z',
): BacktestConfig {
  const text = [
    'version: 2',
    'id: test',
    'strategy: momentum',
    'env: prod',
    `from: ${from}`,
    `to: ${to}`,
    'horizon: 1h',
    extra,
  ].join('\n');
  return parseBacktestConfig(text, 'test.yaml');
}

export function cycle(
  asOf: number,
  scores: Record<string, number>,
  status: 'success' | 'failure' = 'success',
): HistoryCycle {
  const predictions = Object.entries(scores)
    .sort((a, b) => b[1] - a[1])
    .map(([asset, score], i) => ({ asset, score, rank: i + 1 }));
  return { cycleId: `c-${asOf}`, asOf, horizonMs: H, status, ingestedAt: asOf + 60_000, predictions };
}

export function outcomes(asOf: number, returns: Record<string, number>): HistoryOutcome[] {
  return Object.entries(returns).map(([asset, forwardReturn]) => ({
    asset,
    asOf,
    horizonMs: H,
    forwardReturn,
    ingestedAt: asOf + H + 1000,
  }));
}

export function signal(
  asset: string,
  value: number,
  eventTime: number,
  ingestedAt = eventTime,
): HistorySignal {
  return { asset, source: 'github', name: 'commits', value, eventTime, ingestedAt };
}

/** A deterministic pseudo-random history: `hours` hourly cycles over `assets` assets, signals, outcomes. */
export function syntheticHistory(hours: number, assets: number, seed = 7): BacktestInputs {
  let state = seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const names = Array.from({ length: assets }, (_, i) => `A${String(i).padStart(3, '0')}`);
  const cycles: HistoryCycle[] = [];
  const outs: HistoryOutcome[] = [];
  const signals: HistorySignal[] = [];
  for (let h = 0; h < hours; h++) {
    // Some cycles off the hour (skipped by the schedule) and some failures.
    const asOf = T0 + h * H + (h % 5 === 3 ? 20 * 60_000 : 0);
    const scores = Object.fromEntries(
      names.filter(() => random() < 0.8).map((a) => [a, Math.round(random() * 100) / 10]),
    );
    cycles.push(cycle(asOf, scores, h % 11 === 4 ? 'failure' : 'success'));
    if (h % 7 === 2) cycles.push({ ...cycle(asOf + 30 * 60_000, scores), cycleId: `extra-${h}` });
    outs.push(
      ...outcomes(
        asOf,
        Object.fromEntries(names.filter(() => random() < 0.9).map((a) => [a, (random() - 0.5) / 20])),
      ),
    );
    for (const a of names) {
      if (random() < 0.3)
        signals.push(
          signal(
            a,
            Math.round(random() * 50),
            asOf - 10 * 60_000,
            asOf + (random() < 0.2 ? 5 * 60_000 : -60_000),
          ),
        );
    }
  }
  return { cycles, outcomes: outs, signals };
}
