/**
 * The join as it was before it kept the least as_of and first-seen time of its groups, kept as the
 * reference the current one is proven against (equality.test.ts).
 */
import type { Output, Processor, RecordSource, Rejection } from '../../../../processors/contract.ts';
import type { CycleStatus, InferenceCycle, Metric, Outcome } from '../../../../schemas/index.ts';
import { emitCycleScore, type ClosedBy } from '../../../../processors/ranking/cycle-outputs.ts';
import { BY_AS_OF_TOPIC } from '../../../../processors/ranking/names.ts';
import type { RankingOptions } from '../../../../processors/ranking/options.ts';
import { byName } from '../../../../processors/ranking/relevance.ts';
import { scoreCycle } from '../../../../processors/ranking/score-cycle.ts';
import {
  validateCycle,
  validateOutcome,
  validateWatermark,
  watermarkHorizon,
} from '../../../../processors/ranking/validate.ts';

/** A cycle waiting for its outcomes (JSON). */
export interface WaitingCycle {
  strategy: string;
  env: string;
  status: CycleStatus;
  /** `[asset, score]` by ascending rank. */
  predictions: [string, number][];
}

/** The cycles and outcomes of one as_of, until it is scored. */
export interface AsOfGroup {
  /** Wall-clock time the group was first seen (its deadline counts from here). */
  firstSeen: number;
  /** By cycle_id: a repeat replaces (idempotent). */
  cycles: Record<string, WaitingCycle>;
  /** Forward return by asset: the universe so far; a repeat replaces. */
  outcomes: Record<string, number>;
}

/**
 * The join's state for one horizon on one partition of ranking.by-as-of (key `${horizon}|p${partition}`;
 * partition-scoped, as the contract allows: it is only written from that partition).
 */
export interface RankingState {
  horizonMs: number;
  /**
   * The horizon's event time: the least of the outcomes partitions' watermarks, once every one of them
   * has sent one (never going back); null before. As in Flink or Kafka Streams, the slowest input
   * partition holds it: a cycle closes only once every outcomes partition is past its as_of.
   */
  eventTime: number | null;
  /** The watermark of each outcomes partition (by partition number), as broadcast by the repartition. */
  watermarks?: Record<string, number>;
  /** How many outcomes partitions there are (the watermarks say). */
  partitionCount?: number;
  /** Open groups by as_of (decimal text). */
  groups: Record<string, AsOfGroup>;
  /**
   * `[as_of, scored at]` of the groups scored at the deadline that the event time has not passed yet,
   * so that their late records go to `late`. Bounded: an entry goes once the event time passes it (the
   * event-time rule covers it from then on) or `scoredMemoryMs` of wall time after its scoring.
   */
  scored: [number, number][];
  /** Records routed to `late` so far. */
  late: number;
}

type In = InferenceCycle | Outcome | Metric;

/**
 * Takes in an outcomes partition's watermark: the event time becomes the least watermark once every
 * partition has one. A watermark without a partition label speaks for every partition at once.
 */
function observeWatermark(state: RankingState, metric: Metric): void {
  const raise = (to: number) => {
    if (state.eventTime === null || to > state.eventTime) state.eventTime = to;
  };
  const partition = metric.labels['partition'];
  if (partition === undefined) {
    raise(metric.value);
    return;
  }
  const watermarks = (state.watermarks ??= {});
  if (!(watermarks[partition]! >= metric.value)) watermarks[partition] = metric.value;
  const count = Math.max(
    state.partitionCount ?? 0,
    Number(metric.labels['partitions']),
    Number(partition) + 1,
  );
  state.partitionCount = count;
  let least = Infinity;
  for (let p = 0; p < count; p++) {
    const mark = watermarks[String(p)];
    // A partition that has sent nothing holds the event time back (the deadline covers it).
    if (mark === undefined) return;
    least = Math.min(least, mark);
  }
  raise(least);
}

const iso = (ts: number): string => new Date(ts).toISOString();

/** Own-property assignment: an asset or cycle id named `__proto__` stays data. */
function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function horizonOf(record: In, source: RecordSource): number | undefined {
  return source.type === 'Metric'
    ? watermarkHorizon(record as Metric)
    : (record as InferenceCycle | Outcome).horizon_ms;
}

/**
 * `ranking`: joins cycles with their universe (every outcome of the same as_of and horizon) on
 * ranking.by-as-of and scores each cycle once, when the horizon's event time passes its as_of by more
 * than the label delay, or at the wall-clock deadline with the outcomes that arrived. A cycle or outcome
 * for an as_of already scored goes to `late`. See README.md for the rules and outputs.
 */
export function createRankingProcessor(options: RankingOptions): Processor<In, RankingState> {
  const { labelDelayMs, deadlineMs, scoredMemoryMs } = options;

  /** Why a record of `asOf` is late (its group was scored), or null. */
  const lateness = (state: RankingState, asOf: number): string | null => {
    if (state.eventTime !== null && asOf + labelDelayMs < state.eventTime) {
      return (
        `its as_of ${iso(asOf)} was scored: the outcome event time of horizon ${state.horizonMs} ms is ` +
        `${iso(state.eventTime)}, past it by more than the label delay (${labelDelayMs} ms)`
      );
    }
    const scored = state.scored.find(([a]) => a === asOf);
    return scored === undefined
      ? null
      : `its as_of ${iso(asOf)} (horizon ${state.horizonMs} ms) was scored at the wall-clock deadline at ${iso(scored[1])}`;
  };

  const group = (state: RankingState, asOf: number, now: number): AsOfGroup => {
    const key = String(asOf);
    let found = state.groups[key];
    if (found === undefined) {
      found = { firstSeen: now, cycles: {}, outcomes: {} };
      state.groups[key] = found;
    }
    return found;
  };

  const close = (state: RankingState, asOf: number, closedBy: ClosedBy, emit: (o: Output) => void): void => {
    const key = String(asOf);
    const closing = state.groups[key]!;
    delete state.groups[key];
    const universe = new Map(Object.entries(closing.outcomes));
    for (const cycleId of Object.keys(closing.cycles).sort(byName)) {
      const cycle = closing.cycles[cycleId]!;
      const score = scoreCycle(cycle, universe, options);
      emitCycleScore(emit, { cycleId, asOf, horizonMs: state.horizonMs, closedBy, cycle, score });
    }
  };

  /** Scores, in as_of order, every group the event time passed by more than the label delay. */
  const closeByEventTime = (state: RankingState, emit: (o: Output) => void): void => {
    const eventTime = state.eventTime;
    if (eventTime === null) return;
    const due = Object.keys(state.groups)
      .map(Number)
      .filter((asOf) => asOf + labelDelayMs < eventTime)
      .sort((a, b) => a - b);
    for (const asOf of due) close(state, asOf, 'watermark', emit);
  };

  const prune = (state: RankingState, now: number): void => {
    const eventTime = state.eventTime;
    state.scored = state.scored.filter(
      ([asOf, at]) => !(eventTime !== null && asOf + labelDelayMs < eventTime) && now - at < scoredMemoryMs,
    );
  };

  const deadlineOf = (state: RankingState, g: AsOfGroup): number =>
    g.firstSeen + state.horizonMs + deadlineMs!;

  const processor: Processor<In, RankingState> = {
    name: 'ranking',
    inputs: Object.freeze([
      Object.freeze({
        topic: BY_AS_OF_TOPIC,
        type: Object.freeze(['InferenceCycle', 'Outcome', 'Metric'] as const),
      }),
    ]),
    key: (record, source) => `${horizonOf(record, source) ?? 'invalid'}|p${source.partition}`,
    initialState: (key) => ({
      horizonMs: Number(key.slice(0, key.indexOf('|'))),
      eventTime: null,
      groups: {},
      scored: [],
      late: 0,
    }),
    process(record, state, context): RankingState | Rejection {
      const now = context.clock.now();
      const late = (what: string, reason: string): void => {
        state.late++;
        context.emit({ kind: 'late', reason: `${what} arrived after ${reason}` });
      };
      switch (context.source.type) {
        case 'Metric': {
          const metric = record as Metric;
          const invalid = validateWatermark(metric);
          if (invalid !== undefined) return invalid;
          observeWatermark(state, metric);
          break;
        }
        case 'Outcome': {
          const outcome = record as Outcome;
          const invalid = validateOutcome(outcome);
          if (invalid !== undefined) return invalid;
          const reason = lateness(state, outcome.as_of);
          if (reason !== null) {
            late(`the outcome of ${outcome.asset}`, reason);
            break;
          }
          // An outcome says nothing about the other outcomes partitions: only watermarks move the event time.
          setOwn(group(state, outcome.as_of, now).outcomes, outcome.asset, outcome.forward_return);
          break;
        }
        default: {
          const cycle = record as InferenceCycle;
          const invalid = validateCycle(cycle);
          if (invalid !== undefined) return invalid;
          const reason = lateness(state, cycle.as_of);
          if (reason !== null) {
            late(`cycle ${cycle.cycle_id} (strategy ${cycle.strategy}, env ${cycle.env})`, reason);
            break;
          }
          const predictions = [...cycle.predictions]
            .sort((a, b) => a.rank - b.rank)
            .map((p): [string, number] => [p.asset, p.score]);
          setOwn(group(state, cycle.as_of, now).cycles, cycle.cycle_id, {
            strategy: cycle.strategy,
            env: cycle.env,
            status: cycle.status,
            predictions: cycle.status === 'success' ? predictions : [],
          });
        }
      }
      closeByEventTime(state, (o) => context.emit(o));
      prune(state, now);
      return state;
    },
    timer(state) {
      if (deadlineMs === null) return null;
      let earliest: number | null = null;
      for (const g of Object.values(state.groups)) {
        const at = deadlineOf(state, g);
        if (earliest === null || at < earliest) earliest = at;
      }
      return earliest;
    },
    onTimer(_key, state, context) {
      const now = context.clock.now();
      if (deadlineMs !== null) {
        const due = Object.entries(state.groups)
          .filter(([, g]) => deadlineOf(state, g) <= now)
          .map(([asOf]) => Number(asOf))
          .sort((a, b) => a - b);
        for (const asOf of due) {
          close(state, asOf, 'deadline', (o) => context.emit(o));
          state.scored.push([asOf, now]);
        }
      }
      prune(state, now);
      return state;
    },
  };
  return Object.freeze(processor);
}
