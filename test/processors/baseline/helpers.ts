/** Records and a harness for the baseline tests. */
import type { Output } from '../../../runtime/processor/index.ts';
import type { Environment, InferenceCycle, Metric, Trade } from '../../../schemas/index.ts';
import { seriesKey } from '../../../topics/catalogue.ts';
import {
  createBaselineProcessor,
  type BaselineOptions,
  type BaselineRecord,
  type BaselineState,
} from '../../../processors/baseline/index.ts';
import { VirtualRunner } from '../../../runtime/processor/index.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2026-01-05T00:00:00Z, a UTC day start. */
export const D0 = Date.UTC(2026, 0, 5);

export type BaselineHarness = VirtualRunner<BaselineRecord, BaselineState>;

export function baselineHarness(options: BaselineOptions = {}): BaselineHarness {
  return new VirtualRunner(createBaselineProcessor(options));
}

/** A success cycle of `momentum` in prod at `asOf`, taking `latencyMs`, with this metrics snapshot. */
export function cycle(
  asOf: number,
  metrics: Record<string, number>,
  overrides: Partial<InferenceCycle> & { latencyMs?: number } = {},
): InferenceCycle {
  const { latencyMs = 1000, ...rest } = overrides;
  return {
    cycle_id: `c-${asOf}`,
    strategy: 'momentum',
    env: 'prod',
    model_version: 'm1',
    weights_version: null,
    weights_updated_at: null,
    as_of: asOf,
    started_at: asOf + 500,
    finished_at: asOf + 500 + latencyMs,
    status: 'success',
    error: null,
    horizon_ms: DAY,
    metrics,
    predictions: [],
    ...rest,
  };
}

let tradeCount = 0;

/** A fill of portfolio `alpha` (strategy momentum, prod, BTC-USD in USD, no fee unless given). */
export function trade(
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  ts: number,
  overrides: Partial<Trade> = {},
): Trade {
  tradeCount += 1;
  return {
    trade_id: `t-${tradeCount}`,
    order_id: `o-${tradeCount}`,
    client_order_id: null,
    strategy: 'momentum',
    env: 'prod',
    portfolio: 'alpha',
    asset: 'BTC-USD',
    side,
    quantity,
    price,
    notional: quantity * price,
    quote_currency: 'USD',
    fee: 0,
    fee_currency: 'USD',
    liquidity: null,
    venue: 'test',
    cycle_id: null,
    ts,
    ...overrides,
  };
}

/** A `strategy_realized_pnl` point of momentum/prod (or the given labels). */
export function pnl(value: number, ts: number, labels: Record<string, string> = {}): Metric {
  return {
    name: 'strategy_realized_pnl',
    labels: { strategy: 'momentum', env: 'prod', ...labels },
    value,
    ts,
  };
}

/** Feeds a cycle as the runtime would (Kafka key: the strategy). */
export function feedCycle(h: BaselineHarness, c: InferenceCycle) {
  return h.feed('inference.cycles', c, { key: c.strategy });
}

/** Feeds a trade as the runtime would (Kafka key: the portfolio). */
export function feedTrade(h: BaselineHarness, t: Trade) {
  return h.feed('trades', t, { key: t.portfolio });
}

/** Feeds a metric point as the runtime would (Kafka key: its series key). */
export function feedMetric(h: BaselineHarness, m: Metric) {
  return h.feed('metrics', m, { key: seriesKey(m.name, m.labels) });
}

export const metricsOf = (outputs: readonly Output[]): Metric[] =>
  outputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));

/** The `baseline` rows (not the `trades` rows every booked fill also writes). */
export const rowsOf = (outputs: readonly Output[]) =>
  outputs.flatMap((o) => (o.kind === 'row' && o.row.table === 'baseline' ? [o.row] : []));

/** The `trades` rows: one per booked fill. */
export const tradeRowsOf = (outputs: readonly Output[]) =>
  outputs.flatMap((o) => (o.kind === 'row' && o.row.table === 'trades' ? [o.row] : []));

/** The state key of a (strategy, env) of inference.cycles. */
export const cyclesKey = (strategy: string, env: Environment = 'prod') => JSON.stringify([strategy, env]);
