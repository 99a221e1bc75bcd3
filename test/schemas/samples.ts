/**
 * Realistic records of every type, for the schema tests: one full, one minimal (nulls, empty maps and
 * arrays) each. The interop test (test/interop/records.ts) sends them through Apache Avro too, with
 * edge cases of its own.
 */
import type { RecordTypeName, RecordTypes } from '../../schemas/index.ts';

/** 2025-03-03T14:30:00.250Z */
export const T0 = Date.UTC(2025, 2, 3, 14, 30, 0, 250);
/** One day in milliseconds. */
export const DAY = 86_400_000;

/** Records per record type; typed against the generated types, so a schema change shows here too. */
export type Samples = { [N in RecordTypeName]: RecordTypes[N][] };

/** Samples per record type. */
export const SAMPLES: Samples = {
  PortfolioMark: [
    { portfolio: 'momentum-main', env: 'prod', ts: T0, equity: 1_254_300.55, cash: 120_000.1 },
    { portfolio: 'paper-1', env: 'paper', ts: 0, equity: -12.5, cash: null },
  ],
  Alert: [
    {
      fingerprint: '9f2c1e7a4b',
      rule: 'drawdown-exceeded',
      severity: 'critical',
      status: 'firing',
      env: 'prod',
      summary: 'momentum-main drawdown 12.4% exceeds 10%',
      labels: { portfolio: 'momentum-main', strategy: 'momentum', 'team name': 'quant ✓' },
      value: 0.124,
      threshold: 0.1,
      starts_at: T0 - 60_000,
      ends_at: null,
      ts: T0,
    },
    {
      fingerprint: 'b3',
      rule: 'ingest-silent',
      severity: 'info',
      status: 'resolved',
      env: 'staging',
      summary: '',
      labels: {},
      value: null,
      threshold: null,
      starts_at: T0 - 3_600_000,
      ends_at: T0,
      ts: T0,
    },
  ],
  InferenceCycle: [
    {
      cycle_id: 'momentum-2025-03-03T14:30Z',
      strategy: 'momentum',
      env: 'prod',
      model_version: 'git:4f1c2d9',
      weights_version: 'w-2025-03-01',
      weights_updated_at: T0 - 2 * DAY,
      as_of: T0 - 30_000,
      started_at: T0 - 20_000,
      finished_at: T0,
      status: 'success',
      error: null,
      horizon_ms: DAY,
      metrics: { feature_nan_ratio: 0.002, latency_ms: 20_000 },
      predictions: [
        { asset: 'BTC-USD', score: 1.73, rank: 1 },
        { asset: 'ETH-USD', score: 0.91, rank: 2 },
        { asset: 'AAPL', score: -0.4, rank: 3 },
      ],
    },
    {
      cycle_id: 'c-failed',
      strategy: 'mean-reversion',
      env: 'paper',
      model_version: 'v0',
      weights_version: null,
      weights_updated_at: null,
      as_of: T0,
      started_at: T0,
      finished_at: T0 + 5,
      status: 'failure',
      error: 'feature store timed out after 30s',
      horizon_ms: 3_600_000,
      metrics: {},
      predictions: [],
    },
  ],
  Outcome: [
    { asset: 'BTC-USD', as_of: T0 - DAY, horizon_ms: DAY, forward_return: 0.0123 },
    { asset: 'AAPL', as_of: -1, horizon_ms: 0, forward_return: -1 },
  ],
  Metric: [
    { name: 'drawdown_ratio', labels: { portfolio: 'momentum-main', env: 'prod' }, value: 0.124, ts: T0 },
    { name: 'up', labels: {}, value: 1, ts: T0 },
  ],
  Trade: [
    {
      trade_id: 'binance:BTCUSDT:3920311',
      order_id: '8812733',
      client_order_id: 'tw-momentum-000042',
      strategy: 'momentum',
      env: 'prod',
      portfolio: 'momentum-main',
      asset: 'BTC-USD',
      side: 'buy',
      quantity: 0.015,
      price: 87_250.5,
      notional: 1_308.7575,
      quote_currency: 'USDT',
      fee: 0.0000105,
      fee_currency: 'BNB',
      liquidity: 'taker',
      venue: 'binance',
      cycle_id: 'momentum-2025-03-03T14:30Z',
      ts: T0 + 1_200,
    },
    {
      trade_id: 'alpaca:1',
      order_id: 'o-1',
      client_order_id: null,
      strategy: 'manual',
      env: 'paper',
      portfolio: 'paper-1',
      asset: 'AAPL',
      side: 'sell',
      quantity: 10,
      price: 227.1,
      notional: 2_271,
      quote_currency: 'USD',
      fee: 0,
      fee_currency: 'USD',
      liquidity: null,
      venue: 'alpaca',
      cycle_id: null,
      ts: T0,
    },
  ],
  IngestRun: [
    {
      ingest: 'coinmetrics-daily',
      env: 'prod',
      run_id: 'run-20250303-1430',
      started_at: T0 - 95_000,
      finished_at: T0,
      status: 'partial',
      rows: 18_240,
      duration_ms: 95_000,
      error: '3 of 120 assets returned HTTP 429',
      data_until: T0 - DAY,
    },
    {
      ingest: 'binance-klines-1m',
      env: 'staging',
      run_id: 'r2',
      started_at: T0,
      finished_at: T0,
      status: 'success',
      rows: 0,
      duration_ms: 0,
      error: null,
      data_until: null,
    },
  ],
  Signal: [
    {
      source: 'github',
      asset: 'ETH-USD',
      name: 'commits_7d',
      value: 412,
      unit: 'count',
      ts: T0,
      labels: { repository: 'ethereum/go-ethereum' },
    },
    {
      source: 'coinmetrics',
      asset: 'BTC-USD',
      name: 'nvt_ratio',
      value: 61.2,
      unit: null,
      ts: T0,
      labels: {},
    },
  ],
};
