/**
 * Phase 4's inputs: seeded events of each processor's input types (baseline, freshness, precision@K,
 * and metric points for the rules), in event-time order, each with its event time (`ts`), which the
 * bench uses as the record's Kafka timestamp. `recentEvents` places them so that the last one is a
 * minute before now: a topic's retention (7 to 90 days) deletes records by their timestamp, so events
 * stamped months ago could vanish before a processor reads them.
 */
import type { Metric, RecordTypeName } from '../schemas/index.ts';
import { seriesKey } from '../topics/index.ts';
import { seededRandom } from './random.ts';

/** One generated input event. */
export interface BenchEvent {
  readonly topic: string;
  readonly type: RecordTypeName;
  readonly key: string;
  readonly value: unknown;
  /** Event time, epoch ms: the record's Kafka timestamp, as a producer would stamp it. */
  readonly ts: number;
}

const STRATEGIES = 20;
const ASSETS = 50;
const PREDICTED = 10;
const CYCLE_EVERY_MS = 60_000;

/** Events for the baseline processor: inference cycles (4 snapshot metrics each) and trades. */
export function baselineEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(4);
  const events: BenchEvent[] = [];
  const position = new Map<string, number>();
  for (let i = 0; events.length < count; i += 1) {
    const strategy = `s${i % STRATEGIES}`;
    const ts = start + Math.floor(i / STRATEGIES) * CYCLE_EVERY_MS;
    if (i % 2 === 0) {
      events.push(cycleEvent(strategy, ts, random.next(), []));
    } else {
      const portfolio = `p${i % STRATEGIES}`;
      const asset = `A${i % 5}`;
      const held = position.get(`${portfolio}|${asset}`) ?? 0;
      const side = held > 0 && random.next() < 0.5 ? 'sell' : 'buy';
      position.set(`${portfolio}|${asset}`, held + (side === 'buy' ? 1 : -1));
      const price = 100 + 10 * random.normal();
      events.push({
        topic: 'trades',
        type: 'Trade',
        key: portfolio,
        value: {
          trade_id: `t${i}`,
          order_id: `o${i}`,
          client_order_id: null,
          strategy,
          env: 'prod',
          portfolio,
          asset,
          side,
          quantity: 1,
          price,
          notional: price,
          quote_currency: 'USD',
          fee: 0.01,
          fee_currency: 'USD',
          liquidity: 'taker',
          venue: 'bench',
          cycle_id: null,
          ts,
        },
        ts,
      });
    }
  }
  return events;
}

/** Events for the freshness processor: cycles, ingest runs (1 in 10 failing) and signals. */
export function freshnessEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(5);
  const events: BenchEvent[] = [];
  for (let i = 0; events.length < count; i += 1) {
    const ts = start + i * 1000;
    switch (i % 3) {
      case 0: {
        const strategy = `s${i % STRATEGIES}`;
        events.push(cycleEvent(strategy, ts, random.next(), []));
        break;
      }
      case 1: {
        const ingest = `ingest-${i % 30}`;
        const failed = random.next() < 0.1;
        events.push({
          topic: 'ingest.runs',
          type: 'IngestRun',
          key: ingest,
          value: {
            ingest,
            env: 'prod',
            run_id: `r${i}`,
            started_at: ts - 5000,
            finished_at: ts,
            status: failed ? 'failure' : 'success',
            rows: failed ? 0 : 1000,
            duration_ms: 5000,
            error: failed ? 'upstream timeout' : null,
            data_until: ts - 60_000,
          },
          ts,
        });
        break;
      }
      default: {
        const asset = `A${i % ASSETS}`;
        events.push({
          topic: 'signals',
          type: 'Signal',
          key: asset,
          value: { source: 'github', asset, name: 'stars', value: i, unit: null, ts, labels: {} },
          ts,
        });
      }
    }
  }
  return events;
}

/**
 * Events for precision@K: per as_of, one cycle per strategy ranking 10 of 50 assets, then the 50
 * assets' outcomes (the next as_of's first outcome closes the previous one).
 */
export function rankingEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(6);
  const events: BenchEvent[] = [];
  const strategies = 5;
  for (let step = 0; events.length < count; step += 1) {
    const asOf = start + step * CYCLE_EVERY_MS;
    for (let s = 0; s < strategies; s += 1) {
      const strategy = `s${s}`;
      const predictions = Array.from({ length: PREDICTED }, (_, rank) => ({
        asset: `A${(rank * 7 + step + s) % ASSETS}`,
        score: 1 - rank / PREDICTED,
        rank: rank + 1,
      }));
      events.push(cycleEvent(strategy, asOf, random.next(), predictions));
    }
    for (let a = 0; a < ASSETS; a += 1) {
      events.push({
        topic: 'outcomes',
        type: 'Outcome',
        key: `A${a}`,
        value: { asset: `A${a}`, as_of: asOf, horizon_ms: 3_600_000, forward_return: 0.02 * random.normal() },
        ts: asOf,
      });
    }
  }
  return events.slice(0, count);
}

/** A cycle of `strategy` at `ts` on `inference.cycles`, keyed by its strategy. */
function cycleEvent(
  strategy: string,
  ts: number,
  seed: number,
  predictions: Parameters<typeof cycle>[3],
): BenchEvent {
  return {
    topic: 'inference.cycles',
    type: 'InferenceCycle',
    key: strategy,
    value: cycle(strategy, ts, seed, predictions),
    ts,
  };
}

function cycle(
  strategy: string,
  asOf: number,
  noise: number,
  predictions: { asset: string; score: number; rank: number }[],
) {
  return {
    cycle_id: `${strategy}-${asOf}`,
    strategy,
    env: 'prod',
    model_version: 'm1',
    weights_version: 'w1',
    weights_updated_at: asOf - 3_600_000,
    as_of: asOf,
    started_at: asOf,
    finished_at: asOf + 200 + Math.round(100 * noise),
    status: 'success',
    error: null,
    horizon_ms: 3_600_000,
    metrics: { hit_rate: 0.5 + 0.1 * noise, mean_score: 0.3 + 0.05 * noise, coverage: 0.9, turnover: noise },
    predictions,
  };
}

/**
 * Metric points for the rules processor with the shipped rules: per 10 s step, the three drawdown
 * series of 200 portfolios (as the drawdown processor writes them; `drawdown_1h` and `drawdown_daily`
 * cross their rules' thresholds now and then), then a baseline z-score and a 7-day precision@5 of 20
 * strategies, and the consecutive failures of 10 ingests.
 */
export function metricEvents(count: number, start: number): BenchEvent[] {
  const random = seededRandom(8);
  const events: BenchEvent[] = [];
  const push = (name: string, labels: Record<string, string>, value: number, ts: number): void => {
    if (events.length >= count) return;
    const point: Metric = { name, labels, value, ts };
    events.push({ topic: 'metrics', type: 'Metric', key: seriesKey(name, labels), value: point, ts });
  };
  const drawdown = new Array<number>(200).fill(0.02);
  for (let step = 0; events.length < count; step += 1) {
    const ts = start + step * 10_000;
    for (let p = 0; p < drawdown.length; p += 1) {
      const labels = { env: 'prod', portfolio: `p${p}` };
      const d = Math.min(0.2, Math.max(0, (drawdown[p] ?? 0) + 0.01 * random.normal()));
      drawdown[p] = d;
      push('drawdown_1h', labels, d, ts);
      push('drawdown_daily', labels, 2 * d, ts);
      push('max_drawdown_daily', labels, 2.5 * d, ts);
    }
    for (let s = 0; s < STRATEGIES; s += 1) {
      const strategy = `s${s}`;
      push(
        'baseline_zscore_abs',
        { env: 'prod', metric: 'hit_rate', strategy },
        Math.abs(2 * random.normal()),
        ts,
      );
      push('precision_at_k_7d', { env: 'prod', k: '5', strategy }, 0.25 + 0.05 * random.normal(), ts);
    }
    for (let i = 0; i < 10; i += 1) {
      push(
        'ingest_consecutive_failures',
        { env: 'prod', ingest: `ingest-${i}` },
        random.next() < 0.3 ? 3 : 0,
        ts,
      );
    }
  }
  return events;
}

/**
 * `generate(count, start)` placed in time so that its last event is `leadMs` before `now` (the
 * generators step event time from `start`: generated once at 0 to learn the span, then again).
 */
export function recentEvents(
  generate: (count: number, start: number) => BenchEvent[],
  count: number,
  now: number,
  leadMs = 60_000,
): BenchEvent[] {
  const span = generate(count, 0).reduce((max, e) => Math.max(max, e.ts), 0);
  return generate(count, now - leadMs - span);
}
