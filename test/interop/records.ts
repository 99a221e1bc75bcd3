/**
 * The records the interop test sends through both Avro implementations, per record type: the shared
 * samples of the schema tests (test/schemas/samples.ts), plus edge cases only this test needs.
 *
 * Records whose maps have at most one entry must give identical bytes in TypeScript and Java; larger
 * maps are compared by decoded value only, because Avro writes a map's entries in the order the
 * implementation iterates them (insertion order in JavaScript, hash order in Java's HashMap). The test
 * tells them apart by the schema (`AvroJson#largestMap`).
 *
 * Between them they cover, for every type: optional fields null and set, empty, one-entry and larger
 * maps, empty and non-empty arrays, timestamps (negative, zero, current, far future), the extremes of
 * int, longs of ±(2^53 - 1) (the largest a JavaScript number holds exactly; beyond is the subject of
 * its own test in java-avro.test.ts), doubles that are easy to get wrong (-0, NaN, ±Infinity,
 * subnormal, largest finite, 0.1 + 0.2), empty, long (multi-byte length) and non-ASCII strings
 * (including characters outside the BMP).
 */
import { RECORD_TYPES } from '../../schemas/index.ts';
import type { RecordTypeName, RecordTypes } from '../../schemas/index.ts';
import { DAY, SAMPLES, T0 } from '../schemas/samples.ts';
import type { Samples } from '../schemas/samples.ts';

/** The largest magnitude of long used here: 2^53 - 1, `Number.MAX_SAFE_INTEGER`. */
const LONG_MAX = Number.MAX_SAFE_INTEGER;
const LONG_TEXT = `upstream returned HTTP 503 for 17 of 120 assets (${'retrying with backoff; '.repeat(12)}gave up)`;

/** Shared sample `index` of a type (it must exist). */
function sample<N extends RecordTypeName>(name: N, index: number): RecordTypes[N] {
  const value = SAMPLES[name][index];
  if (value === undefined) throw new Error(`test/schemas/samples.ts has no ${name}[${index}]`);
  return value;
}

/** Edge cases on top of the shared samples, often a sample with a few fields changed. */
const EDGE_CASES: Samples = {
  PortfolioMark: [
    { portfolio: 'staging-ß-組合', env: 'staging', ts: -1, equity: 0, cash: -0 },
    { portfolio: '', env: 'prod', ts: LONG_MAX, equity: Number.MAX_VALUE, cash: 5e-324 },
  ],
  Alert: [
    {
      ...sample('Alert', 0),
      severity: 'error',
      summary: 'momentum-main drawdown 12.4% exceeds 10% 📉',
      description:
        'A portfolio lost more than 10% of its peak equity since the start of the day — look at its fills.',
      labels: { portfolio: 'momentum-main' },
    },
    {
      fingerprint: 'c4',
      rule: 'metric-nan',
      severity: 'warning',
      status: 'firing',
      env: 'paper',
      summary: LONG_TEXT,
      description: null,
      unit: null,
      labels: { 'team name ✓': '' },
      value: Number.NaN,
      threshold: Number.POSITIVE_INFINITY,
      starts_at: -DAY,
      ends_at: null,
      ts: 0,
    },
  ],
  InferenceCycle: [
    { ...sample('InferenceCycle', 0), metrics: { latency_ms: 20_000 } },
    { ...sample('InferenceCycle', 1), error: LONG_TEXT },
    {
      // Many items: more than one byte of item count, and int extremes.
      cycle_id: 'universe-wide',
      strategy: 'cross-section',
      env: 'staging',
      model_version: 'registry:cs/17',
      weights_version: 'w-17',
      weights_updated_at: T0 - 1,
      as_of: T0,
      started_at: T0 + 1,
      finished_at: T0 + 90_000,
      status: 'success',
      error: null,
      horizon_ms: LONG_MAX,
      metrics: { feature_nan_ratio: Number.NEGATIVE_INFINITY },
      predictions: [
        ...Array.from({ length: 70 }, (_, i) => ({ asset: `ASSET-${i}`, score: 1 / (i + 1), rank: i + 1 })),
        { asset: 'MAX', score: -0, rank: 2_147_483_647 },
        { asset: 'MIN', score: Number.MIN_VALUE, rank: -2_147_483_648 },
      ],
    },
    {
      ...sample('InferenceCycle', 0),
      metrics: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`metric_${i}`, i / 7])),
      predictions: [{ asset: 'BTC-USD', score: 1.73, rank: 1 }],
    },
  ],
  Outcome: [{ asset: '🪙', as_of: -LONG_MAX, horizon_ms: 1, forward_return: 0.1 + 0.2 }],
  Metric: [
    { ...sample('Metric', 0), labels: { portfolio: 'momentum-main' } },
    { name: 'ingest_lag_ms', labels: { ingest: 'binance-klines-1m' }, value: Number.NaN, ts: -T0 },
  ],
  Trade: [
    { ...sample('Trade', 1), fee: -0.01 },
    {
      trade_id: 'coinbase:ETH-EUR:77',
      order_id: 'cb-77',
      client_order_id: null,
      strategy: 'rebalance',
      env: 'staging',
      portfolio: 'staging-€',
      asset: 'ETH-EUR',
      side: 'buy',
      quantity: 1e-8,
      price: 1e15,
      notional: 1e7,
      quote_currency: 'EUR',
      fee: 0,
      fee_currency: 'EUR',
      liquidity: 'maker',
      venue: 'coinbase',
      cycle_id: null,
      ts: 253_402_300_799_999,
    },
  ],
  IngestRun: [
    {
      ingest: 'onchain-backfill',
      env: 'paper',
      run_id: 'backfill-1',
      started_at: -DAY,
      finished_at: T0,
      status: 'failure',
      rows: LONG_MAX,
      duration_ms: 2 ** 31,
      error: LONG_TEXT,
      data_until: 0,
    },
  ],
  Signal: [
    {
      source: 'x',
      asset: 'SOL-USD',
      name: 'mentions_24h',
      value: -0,
      unit: '',
      ts: 1,
      labels: { 'query 🔎': LONG_TEXT },
      flags: [],
    },
    {
      source: 'tokenterminal',
      asset: 'UNI-USD',
      name: 'fees_24h',
      value: 1_234_567.89,
      unit: 'USD',
      ts: T0,
      labels: { chain: 'ethereum', protocol: 'uniswap-v3', Ωmega: 'Ж' },
      flags: ['range', 'not_null'],
    },
  ],
  JobRun: [
    {
      ...sample('JobRun', 0),
      job: 'job-ß-組合 🔁',
      env: 'staging',
      trigger: 'manual',
      attempt: 2_147_483_647,
      max_attempts: -2_147_483_648,
      started_at: -1,
      finished_at: LONG_MAX,
      outcome: 'timed_out',
      final: true,
      next_attempt_at: null,
      error: LONG_TEXT,
      duration_ms: -LONG_MAX,
      delay_ms: LONG_MAX,
      summary: { 'rows written': '12', Ωmega: LONG_TEXT },
    },
    { ...sample('JobRun', 1), outcome: 'lost', summary: { only: '' } },
  ],
  BacktestTask: [
    {
      ...sample('BacktestTask', 0),
      backtest_id: '',
      task_id: '/0',
      assets: ['Ж', '', LONG_TEXT],
      initial_equity: Number.MAX_VALUE,
      from: -DAY,
      to: LONG_MAX,
      warmup_ms: -LONG_MAX,
      parameters_json: '{"nested":{"a":[1,2,3]},"text":"🔎"}',
      requested_by: '',
    },
  ],
};

/** Every record of each type the interop test exchanges with Java: the shared samples, then the edge cases. */
export const RECORDS = Object.fromEntries(
  RECORD_TYPES.map((name) => [name, [...SAMPLES[name], ...EDGE_CASES[name]]]),
) as Samples;
