/**
 * The rolling stage as it was before its sums were kept by series (rolling-series.ts), kept as the
 * reference the current one is proven against, bit for bit (equality.test.ts).
 */
import { LATE_PREFIX, type Processor, type Rejection } from '../../../../processors/contract.ts';
import type { Metric } from '../../../../schemas/index.ts';
import {
  NO_K,
  PER_K_METRICS,
  RANKING_TABLES,
  ROLLED_METRICS,
  SCORES_TOPIC,
  isCounted,
  rollingName,
} from '../../../../processors/ranking/names.ts';
import type { RankingOptions } from '../../../../processors/ranking/options.ts';

/** One cycle's points at the rolling stage (JSON). */
export interface RollingCycle {
  id: string;
  /** The cycle's as_of. */
  ts: number;
  /** Value by series, `${name}|${k}` (k empty for rank_ic and the markers). */
  points: Record<string, number>;
}

/** The rolling stage's state for one (strategy, env) (key `${strategy}|${env}`, the Kafka key). */
export interface RollingState {
  /** The greatest score ts seen; null before the first. */
  streamTime: number | null;
  /**
   * Cycles by ascending ts, kept while a window of a future (non-late) point can hold them: those older
   * than streamTime − grace − the longest window are dropped.
   */
  cycles: RollingCycle[];
}

const iso = (ts: number): string => new Date(ts).toISOString();

/** A trailing value: the mean of the values (or, for markers, their count) with ts in (t − window, t]. */
export interface TrailingValue {
  readonly value: number;
  readonly samples: number;
}

/** The trailing mean (or count, with `count`) of `series` at `t` over `windowMs`: cycles with ts in (t − windowMs, t]. */
export function trailing(
  cycles: readonly RollingCycle[],
  series: string,
  t: number,
  windowMs: number,
  count: boolean,
): TrailingValue | null {
  let sum = 0;
  let samples = 0;
  for (const c of cycles) {
    if (c.ts <= t - windowMs || c.ts > t) continue;
    const v = c.points[series];
    if (v === undefined) continue;
    sum += v;
    samples++;
  }
  if (samples === 0) return null;
  return { value: count ? samples : sum / samples, samples };
}

function validateScore(metric: Metric): Rejection | undefined {
  const problems: string[] = [];
  if (!ROLLED_METRICS.includes(metric.name))
    problems.push(`name must be one of ${ROLLED_METRICS.join(', ')}`);
  for (const label of ['strategy', 'env', 'cycle_id']) {
    if (!metric.labels[label]) problems.push(`label ${label} is missing`);
  }
  if (
    (PER_K_METRICS as readonly string[]).includes(metric.name) &&
    !/^[1-9]\d*$/.test(metric.labels['k'] ?? '')
  ) {
    problems.push(`label k must be a positive integer, got ${String(metric.labels['k'])}`);
  }
  if (!Number.isFinite(metric.value)) problems.push(`value must be finite, got ${metric.value}`);
  if (!Number.isSafeInteger(metric.ts))
    problems.push(`ts must be a safe integer of epoch ms, got ${metric.ts}`);
  return problems.length === 0
    ? undefined
    : {
        reject: `invalid ranking score ${metric.name} ${JSON.stringify(metric.labels)}: ${problems.join('; ')}`,
      };
}

/**
 * `ranking-rolling`: from ranking.scores, per (strategy, env) and per K, the trailing means by event time
 * (the cycles' as_of) of every per-cycle metric over each rolling window (`precision_at_k_7d`,
 * `rank_ic_30d`, ...), and the counts of unlabeled and failed cycles (`ranking_unlabeled_cycles_7d`,
 * ...): one point per incoming score, at its ts, and a `ranking_rolling` row. A score more than the
 * grace older than the newest of its (strategy, env) goes to `late`; a repeat (same cycle, metric and K)
 * replaces the value it repeats.
 */
export function createRankingRollingProcessor(options: RankingOptions): Processor<Metric, RollingState> {
  const { rollingWindows, rollingGraceMs } = options;
  const longest = Math.max(...rollingWindows.map((w) => w.ms));
  const processor: Processor<Metric, RollingState> = {
    name: 'ranking-rolling',
    inputs: Object.freeze([Object.freeze({ topic: SCORES_TOPIC, type: 'Metric' as const })]),
    key: (metric) => `${metric.labels['strategy']}|${metric.labels['env']}`,
    initialState: () => ({ streamTime: null, cycles: [] }),
    process(metric, state, context) {
      const invalid = validateScore(metric);
      if (invalid !== undefined) return invalid;
      const { strategy = '', env = '', cycle_id: id = '', k } = metric.labels;
      if (state.streamTime !== null && metric.ts < state.streamTime - rollingGraceMs) {
        return {
          reject:
            `${LATE_PREFIX} ranking score ${metric.name} of cycle ${id} (strategy ${strategy}, env ${env}) at ` +
            `${iso(metric.ts)} is older than the newest score of its strategy and env (${iso(state.streamTime)}) ` +
            `by more than the rolling grace (${rollingGraceMs} ms); not folded into the rolling means`,
        };
      }
      if (state.streamTime === null || metric.ts > state.streamTime) state.streamTime = metric.ts;

      const index = state.cycles.findLastIndex((c) => c.ts < metric.ts || (c.ts === metric.ts && c.id <= id));
      let cycle = state.cycles[index];
      if (cycle === undefined || cycle.id !== id || cycle.ts !== metric.ts) {
        cycle = { id, ts: metric.ts, points: {} };
        state.cycles.splice(index + 1, 0, cycle);
      }
      const perK = (PER_K_METRICS as readonly string[]).includes(metric.name);
      const series = `${metric.name}|${perK ? k : ''}`;
      cycle.points[series] = metric.value;

      const labels: Record<string, string> = perK ? { strategy, env, k: k! } : { strategy, env };
      for (const window of rollingWindows) {
        const value = trailing(state.cycles, series, metric.ts, window.ms, isCounted(metric.name))!;
        const name = rollingName(metric.name, window.suffix);
        context.emit({ kind: 'metric', metric: { name, labels, value: value.value, ts: metric.ts } });
        context.emit({
          kind: 'row',
          row: {
            table: RANKING_TABLES.rolling,
            ts: metric.ts,
            symbols: { strategy, env, name, k: perK ? k! : NO_K },
            columns: { value: value.value, samples: value.samples, window_ms: window.ms },
          },
        });
      }
      const horizon = state.streamTime - rollingGraceMs - longest;
      const keep = state.cycles.findIndex((c) => c.ts > horizon);
      state.cycles = keep === -1 ? [] : state.cycles.slice(keep);
      return state;
    },
  };
  return Object.freeze(processor);
}
