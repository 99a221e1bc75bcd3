/**
 * The baseline processor: for every strategy × env × metric, an online baseline (EWMA mean and
 * variance with a half-life, and an optional trailing window) and the z-score of each new observation
 * against it, as metric points (`baseline_zscore`, `baseline_zscore_abs`, `baseline_zscore_window`) and
 * rows of the `baseline` table. See README.md in this folder for the rules.
 *
 * Three inputs, each with its own state (state lives per input topic and partition):
 * - `inference.cycles` (Kafka key: strategy): a success cycle gives one observation per entry of its
 *   `metrics` snapshot plus `latency_ms` (finished_at − started_at), at its `as_of`. State key: the
 *   (strategy, env). Failed cycles are the freshness processor's business: ignored here.
 * - `trades` (Kafka key: portfolio): each fill is booked on its (portfolio, env, asset) position (the
 *   state key) by average cost, and its realized PnL emitted as `strategy_realized_pnl{strategy, env}`
 *   to `metrics`, which repartitions it by strategy and env.
 * - `metrics` (Kafka key: the series key): the series of the summed metrics (default
 *   `strategy_realized_pnl`) are summed per tumbling window (default one UTC day, grace one hour); a
 *   closed window's sum is one observation (default `realized_pnl_1d`) of its strategy and env. State
 *   key: the series key. Every other metric maps to one shared, constant state: ignored cheaply.
 *
 * Event time only: the clock is never read.
 */
import { seriesKey } from '../../topics/catalogue.ts';
import {
  LATE_PREFIX,
  type ProcessContext,
  type Processor,
  type RecordSource,
  type Rejection,
} from '../contract.ts';
import { WindowedAggregation, tumbling } from '../windows/index.ts';
import type { InferenceCycle, Metric, Trade } from '../../schemas/index.ts';
import { formatDuration } from '../../core/durations.ts';
import { compileBaselineOptions, type BaselineOptions, type CompiledBaselineOptions } from './options.ts';
import { emitDeviation } from './outputs.ts';
import { bookFill, flatPosition } from './positions.ts';
import { emptySeriesBaseline, observe, type SeriesBaseline } from './series-baseline.ts';
import {
  BASELINE_METRICS,
  IGNORED_KEY,
  LATENCY_METRIC,
  RECENT_TRADE_IDS,
  type BaselineState,
  type CyclesState,
  type PositionState,
  type SumState,
} from './types.ts';
import { validateCycle, validateSummedPoint, validateTrade } from './validate.ts';

/** The records the processor reads. */
export type BaselineRecord = InferenceCycle | Trade | Metric;

/** The processor's input topics. */
export const BASELINE_INPUTS = Object.freeze([
  Object.freeze({ topic: 'inference.cycles', type: 'InferenceCycle' as const }),
  Object.freeze({ topic: 'trades', type: 'Trade' as const }),
  Object.freeze({ topic: 'metrics', type: 'Metric' as const }),
]);

/**
 * The baseline processor over `options` (defaults: see options.ts; from a file: `loadBaselineOptions`).
 * Throws a ConfigError if the options are invalid.
 */
export function createBaselineProcessor(
  options: BaselineOptions = {},
): Processor<BaselineRecord, BaselineState> {
  const compiled = compileBaselineOptions(options);
  const aggregations = new Map(
    [...compiled.sums].map(([metric, sum]) => [
      metric,
      new WindowedAggregation<number, number>(
        tumbling(sum.windowMs, sum.graceMs),
        () => 0,
        (total, value) => total + value,
      ),
    ]),
  );

  const processor: Processor<BaselineRecord, BaselineState> = {
    name: 'baseline',
    inputs: BASELINE_INPUTS,
    key(record, source) {
      switch (source.topic) {
        case 'inference.cycles': {
          const cycle = record as InferenceCycle;
          return cycle.status === 'success' ? JSON.stringify([cycle.strategy, cycle.env]) : IGNORED_KEY;
        }
        case 'trades': {
          const trade = record as Trade;
          return JSON.stringify([trade.portfolio, trade.env, trade.asset]);
        }
        default: {
          const metric = record as Metric;
          return compiled.sums.has(metric.name) ? seriesKey(metric.name, metric.labels) : IGNORED_KEY;
        }
      }
    },
    initialState(key, record, source): BaselineState {
      if (key === IGNORED_KEY) return { kind: 'ignored' };
      return initialStateOf(record, source, compiled);
    },
    process(record, state, context) {
      switch (state.kind) {
        case 'ignored':
          return state;
        case 'cycles':
          return processCycle(record as InferenceCycle, state, context, compiled);
        case 'position':
          return processTrade(record as Trade, state, context);
        case 'sum': {
          const metric = record as Metric;
          const aggregation = aggregations.get(metric.name);
          if (aggregation === undefined) return state; // a sum removed from the configuration
          return processSum(metric, state, context, compiled, aggregation);
        }
      }
    },
  };
  return Object.freeze(processor);
}

function initialStateOf(
  record: BaselineRecord,
  source: RecordSource,
  compiled: CompiledBaselineOptions,
): BaselineState {
  switch (source.topic) {
    case 'inference.cycles':
      return { kind: 'cycles', series: [] };
    case 'trades':
      return { kind: 'position', position: flatPosition(), recent: [] };
    default:
      return {
        kind: 'sum',
        windowMs: compiled.sums.get((record as Metric).name)?.windowMs ?? 0,
        windows: { streamTime: null, open: [] },
        baseline: emptySeriesBaseline(),
      };
  }
}

function processCycle(
  cycle: InferenceCycle,
  state: CyclesState,
  context: ProcessContext,
  compiled: CompiledBaselineOptions,
): CyclesState | Rejection {
  const invalid = validateCycle(cycle);
  if (invalid !== undefined) return invalid;

  const values = new Map<string, number>();
  const skipped: string[] = [];
  for (const [metric, value] of Object.entries(cycle.metrics)) {
    if (Number.isFinite(value)) values.set(metric, value);
    else skipped.push(`${metric}=${value}`);
  }
  // The snapshot's own latency_ms, when it has one, is the producer's measure and wins.
  if (!values.has(LATENCY_METRIC)) values.set(LATENCY_METRIC, cycle.finished_at - cycle.started_at);
  if (skipped.length > 0) {
    context.logger.warn(
      { cycle: cycle.cycle_id, strategy: cycle.strategy, env: cycle.env, skipped },
      'cycle metrics that are not finite numbers are not observations: skipped',
    );
  }

  const ts = cycle.as_of;
  const folded: string[] = [];
  const late: string[] = [];
  for (const metric of [...values.keys()].sort()) {
    const settings = compiled.settingsFor(cycle.strategy, cycle.env, metric);
    const observed = observe(seriesOf(state, metric), ts, values.get(metric)!, settings);
    if (observed.kind === 'late') {
      late.push(
        `${metric} is ${observed.lateByMs} ms older than its newest observation ` +
          `(${iso(observed.newestTs)}), beyond the grace period of ${formatDuration(settings.graceMs, 'largest')}`,
      );
      continue;
    }
    folded.push(metric);
    emitDeviation(context, { strategy: cycle.strategy, env: cycle.env, metric }, observed.deviation);
  }
  if (late.length === 0) return state;
  const reason =
    `${LATE_PREFIX} inference cycle ${cycle.cycle_id} (strategy ${cycle.strategy}, env ${cycle.env}) ` +
    `at as_of ${ts} (${iso(ts)}): ${late.join('; ')}`;
  // Nothing was folded in (a late series' observation changes nothing): route it like a rejection.
  if (folded.length === 0) return { reject: `${reason}; not folded in` };
  context.emit({
    kind: 'late',
    reason: `${reason}; those were not folded in, its other metrics (${folded.join(', ')}) were`,
  });
  return state;
}

/** The baseline of `metric` in a cycles state, created (in metric order) at its first observation. */
function seriesOf(state: CyclesState, metric: string): SeriesBaseline {
  let index = 0;
  while (index < state.series.length && state.series[index]![0] < metric) index += 1;
  const existing = state.series[index];
  if (existing !== undefined && existing[0] === metric) return existing[1];
  const baseline = emptySeriesBaseline();
  state.series.splice(index, 0, [metric, baseline]);
  return baseline;
}

function processTrade(
  trade: Trade,
  state: PositionState,
  context: ProcessContext,
): PositionState | Rejection {
  const invalid = validateTrade(trade);
  if (invalid !== undefined) return invalid;
  const what = `trade ${trade.trade_id} (portfolio ${trade.portfolio}, env ${trade.env}, asset ${trade.asset})`;
  if (state.recent.includes(trade.trade_id)) {
    return {
      reject:
        `duplicate ${what}: a fill with this trade_id was already booked on this position; ` +
        'it is booked once (its PnL counted once). Fix the producer that published it twice.',
    };
  }
  const { position } = state;
  if (position.currency !== null && position.currency !== trade.quote_currency) {
    return {
      reject:
        `invalid ${what}: quote_currency ${trade.quote_currency} differs from the open position's ` +
        `(${position.currency}, quantity ${position.quantity}): an average cost cannot mix currencies`,
    };
  }
  const realized = bookFill(position, {
    side: trade.side,
    quantity: trade.quantity,
    price: trade.price,
    quoteCurrency: trade.quote_currency,
    fee: trade.fee,
    feeCurrency: trade.fee_currency,
  });
  state.recent.push(trade.trade_id);
  if (state.recent.length > RECENT_TRADE_IDS) state.recent.splice(0, state.recent.length - RECENT_TRADE_IDS);
  if (realized.feeIgnored && trade.fee !== 0) {
    context.logger.debug(
      { trade: trade.trade_id, fee: trade.fee, feeCurrency: trade.fee_currency },
      'fee not in the quote currency: left out of the realized PnL',
    );
  }
  context.emit({
    kind: 'metric',
    metric: {
      name: BASELINE_METRICS.realizedPnl,
      labels: { strategy: trade.strategy, env: trade.env },
      value: realized.pnl,
      ts: trade.ts,
    },
  });
  // Every booked fill also lands in QuestDB's `trades` table, which the scheduler's daily PnL
  // reconciliation reads (a replay upserts the same row: the keys include trade_id).
  context.emit({
    kind: 'row',
    row: {
      table: 'trades',
      ts: trade.ts,
      symbols: {
        portfolio: trade.portfolio,
        env: trade.env,
        trade_id: trade.trade_id,
        strategy: trade.strategy,
        asset: trade.asset,
        side: trade.side,
        quote_currency: trade.quote_currency,
        fee_currency: trade.fee_currency,
      },
      columns: { quantity: trade.quantity, price: trade.price, notional: trade.notional, fee: trade.fee },
    },
  });
  return state;
}

function processSum(
  metric: Metric,
  state: SumState,
  context: ProcessContext,
  compiled: CompiledBaselineOptions,
  aggregation: WindowedAggregation<number, number>,
): SumState | Rejection {
  const series = seriesKey(metric.name, metric.labels);
  const invalid = validateSummedPoint(metric, series);
  if (invalid !== undefined) return invalid;
  const sum = compiled.sums.get(metric.name)!;
  if (state.windowMs !== sum.windowMs) {
    // The window size changed in the configuration: open windows of the old size cannot continue.
    state.windowMs = sum.windowMs;
    state.windows = aggregation.initialState();
  }
  const added = aggregation.add(state.windows, metric.ts, metric.value);
  if (added.late !== null) {
    return {
      reject: `${LATE_PREFIX} point of ${series} at ts ${metric.ts}: ${added.late}; not summed`,
    };
  }
  const strategy = metric.labels['strategy']!;
  const env = metric.labels['env']!;
  for (const window of added.closed) {
    const settings = compiled.settingsFor(strategy, env, sum.as);
    // `+ 0` turns a −0 sum into 0.
    const observed = observe(state.baseline, window.start, window.aggregate + 0, settings);
    if (observed.kind === 'late') {
      // Windows close in order, so this needs a grace shorter than the time between window starts.
      context.logger.warn(
        { series, window: window.start, newest: observed.newestTs },
        'a closed window is older than the baseline’s newest observation beyond its grace: not folded in',
      );
      continue;
    }
    emitDeviation(context, { strategy, env, metric: sum.as }, observed.deviation);
  }
  return state;
}

function iso(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? 'out of the Date range' : date.toISOString();
}
