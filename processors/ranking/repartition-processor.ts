import type { Processor, ProcessContext } from '../contract.ts';
import type { InferenceCycle, Outcome } from '../../schemas/index.ts';
import { TOPICS } from '../../topics/catalogue.ts';
import { BY_AS_OF_TOPIC, WATERMARK_METRIC } from './names.ts';
import type { RankingOptions } from './options.ts';
import { validateCycle, validateOutcome } from './validate.ts';

/** The partitions of `outcomes` (the catalogue's, which `topics apply` keeps the cluster to). */
const OUTCOME_PARTITIONS = TOPICS.find((t) => t.name === 'outcomes')!.partitions;

/** The join key of ranking.by-as-of. */
export const byAsOfKey = (horizonMs: number, asOf: number): string => `${horizonMs}|${asOf}`;

/**
 * State of the repartition stage, per input partition: for outcomes, one key per horizon
 * (`watermark|<horizon>|p<partition>`) holding the greatest as_of this partition has seen; for cycles,
 * one key per partition (`cycles|p<partition>`) counting what it forwarded (the contract wants a state).
 */
export interface RepartitionState {
  /** Greatest outcome as_of seen on this partition for the key's horizon; null for cycles. */
  maxAsOf: number | null;
  /** Records forwarded. */
  forwarded: number;
}

type In = InferenceCycle | Outcome;

/**
 * `ranking-repartition`: moves cycles (keyed by strategy) and outcomes (keyed by asset) to
 * ranking.by-as-of keyed by `${horizon_ms}|${as_of}`, so that a cycle meets its universe in one
 * partition without funnelling everything into one. Whenever the greatest outcome as_of of a horizon
 * grows on an outcomes partition, it broadcasts a `ranking_outcome_watermark` point (labels: horizon_ms,
 * that outcomes partition and the number of them) to every partition of ranking.by-as-of, after the
 * outcome itself: each partition of the join learns every outcomes partition's progress, and takes the
 * least as the horizon's event time. Invalid cycles and outcomes are rejected
 * (dead-lettered with their origin) here, at the first stage.
 */
export function createRankingRepartitionProcessor(_options: RankingOptions): Processor<In, RepartitionState> {
  const processor: Processor<In, RepartitionState> = {
    name: 'ranking-repartition',
    inputs: Object.freeze([
      Object.freeze({ topic: 'inference.cycles', type: 'InferenceCycle' as const }),
      Object.freeze({ topic: 'outcomes', type: 'Outcome' as const }),
    ]),
    key: (record, source) =>
      source.type === 'Outcome'
        ? `watermark|${(record as Outcome).horizon_ms}|p${source.partition}`
        : `cycles|p${source.partition}`,
    initialState: () => ({ maxAsOf: null, forwarded: 0 }),
    process(record, state, context) {
      return context.source.type === 'Outcome'
        ? forwardOutcome(record as Outcome, state, context)
        : forwardCycle(record as InferenceCycle, state, context);
    },
  };
  return Object.freeze(processor);
}

function forwardCycle(cycle: InferenceCycle, state: RepartitionState, context: ProcessContext) {
  const invalid = validateCycle(cycle);
  if (invalid !== undefined) return invalid;
  context.emit({
    kind: 'record',
    topic: BY_AS_OF_TOPIC,
    key: byAsOfKey(cycle.horizon_ms, cycle.as_of),
    type: 'InferenceCycle',
    value: cycle,
  });
  state.forwarded++;
  return state;
}

function forwardOutcome(outcome: Outcome, state: RepartitionState, context: ProcessContext) {
  const invalid = validateOutcome(outcome);
  if (invalid !== undefined) return invalid;
  const key = byAsOfKey(outcome.horizon_ms, outcome.as_of);
  context.emit({ kind: 'record', topic: BY_AS_OF_TOPIC, key, type: 'Outcome', value: outcome });
  state.forwarded++;
  if (state.maxAsOf === null || outcome.as_of > state.maxAsOf) {
    state.maxAsOf = outcome.as_of;
    context.emit({
      kind: 'record',
      topic: BY_AS_OF_TOPIC,
      key,
      type: 'Metric',
      value: {
        name: WATERMARK_METRIC,
        labels: {
          horizon_ms: String(outcome.horizon_ms),
          // Whose watermark it is, and how many there are: the join's event time is their least.
          partition: String(context.source.partition),
          partitions: String(OUTCOME_PARTITIONS),
        },
        value: outcome.as_of,
        ts: outcome.as_of,
      },
      partition: 'all',
    });
  }
  return state;
}
