/**
 * What the freshness processor reads from each record type: its event time (for the lag between the
 * time a record says it happened and the time it was seen) and its environment.
 */
import {
  ENVIRONMENTS,
  type Environment,
  type RecordTypeName,
  type RecordTypes,
} from '../../schemas/index.ts';

type Of<N extends RecordTypeName> = (record: RecordTypes[N]) => number;

/**
 * The event time of record types (epoch ms): when the thing the record reports happened or ended. A
 * type not listed uses its `ts` field when it has one.
 */
const EVENT_TIME: { readonly [N in RecordTypeName]?: Of<N> } = {
  PortfolioMark: (r) => r.ts,
  Alert: (r) => r.ts,
  // The cycle's record is published when it ends; as_of is the data it saw (see model_weights_age_ms).
  InferenceCycle: (r) => r.finished_at,
  // Known once the horizon has passed.
  Outcome: (r) => r.as_of + r.horizon_ms,
  Metric: (r) => r.ts,
  Trade: (r) => r.ts,
  IngestRun: (r) => r.finished_at,
  Signal: (r) => r.ts,
};

/** The event time of `record` (of type `type`), or null when it is not a finite number. */
export function eventTimeOf(type: RecordTypeName, record: unknown): number | null {
  const of = EVENT_TIME[type] as ((r: unknown) => number) | undefined;
  const ts: unknown = of !== undefined ? of(record) : (record as { ts?: unknown } | null)?.ts;
  return typeof ts === 'number' && Number.isFinite(ts) ? ts : null;
}

export function isEnvironment(value: unknown): value is Environment {
  return (ENVIRONMENTS as readonly unknown[]).includes(value);
}

/**
 * The environment of a record: its `env` field where its type has one; for the types without one
 * (Metric, Signal, Outcome) the `env` label when it is one of prod, staging, paper; else `fallback`
 * (the topic's configured env).
 */
export function envOf(record: unknown, fallback: Environment): Environment {
  if (typeof record !== 'object' || record === null) return fallback;
  const fields = record as { env?: unknown; labels?: unknown };
  if (isEnvironment(fields.env)) return fields.env;
  const labels = fields.labels;
  if (typeof labels === 'object' && labels !== null) {
    const env = (labels as Record<string, unknown>)['env'];
    if (isEnvironment(env)) return env;
  }
  return fallback;
}

/**
 * The label of the last heartbeat of a tradewatch instance that stops on purpose (`retired="true"`):
 * its freshness source is retired, not stale.
 */
export const RETIRED_LABEL = 'retired';

/** Whether `record` (of type `type`) says its source stops on purpose. */
export function isRetirement(type: RecordTypeName, record: unknown): boolean {
  return type === 'Metric' && (record as RecordTypes['Metric']).labels[RETIRED_LABEL] === 'true';
}
