/** Records for the precision@K tests. */
import type { Output } from '../../../runtime/processor/index.ts';
import type { InferenceCycle, Metric, Outcome } from '../../../schemas/index.ts';
import type { SinkRow as Row } from '../../../runtime/processor/index.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** 2026-01-05T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 5);

/** A successful cycle ranking `assets` in the order given (scores descending from 1). */
export function cycle(
  id: string,
  asOf: number,
  assets: readonly string[],
  overrides: Partial<InferenceCycle> = {},
): InferenceCycle {
  return {
    cycle_id: id,
    strategy: 'momentum',
    env: 'prod',
    model_version: 'm1',
    weights_version: null,
    weights_updated_at: null,
    as_of: asOf,
    started_at: asOf,
    finished_at: asOf + 1000,
    status: 'success',
    error: null,
    horizon_ms: HOUR,
    metrics: {},
    predictions: assets.map((asset, i) => ({ asset, score: 1 - i / 100, rank: i + 1 })),
    ...overrides,
  };
}

export function outcome(asset: string, asOf: number, forwardReturn: number, horizonMs = HOUR): Outcome {
  return { asset, as_of: asOf, horizon_ms: horizonMs, forward_return: forwardReturn };
}

/**
 * A watermark of the repartition stage: of outcomes partition `of` (one of `partitions`), or, without
 * `of`, one that speaks for every outcomes partition at once.
 */
export function watermark(
  asOf: number,
  horizonMs = HOUR,
  of?: { partition: number; partitions: number },
): Metric {
  return {
    name: 'ranking_outcome_watermark',
    labels: {
      horizon_ms: String(horizonMs),
      ...(of === undefined ? {} : { partition: String(of.partition), partitions: String(of.partitions) }),
    },
    value: asOf,
    ts: asOf,
  };
}

export const metricsOf = (outputs: readonly Output[]): Metric[] =>
  outputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));

export const rowsOf = (outputs: readonly Output[], table?: string): Row[] =>
  outputs.flatMap((o) => (o.kind === 'row' && (table === undefined || o.row.table === table) ? [o.row] : []));

export const recordsOf = (outputs: readonly Output[]) =>
  outputs.flatMap((o) => (o.kind === 'record' ? [o] : []));

/** `name{k=..}` → value of the metric points, for compact assertions. */
export function valuesOf(metrics: readonly Metric[]): Record<string, number> {
  return Object.fromEntries(
    metrics.map((m) => [m.labels['k'] === undefined ? m.name : `${m.name}@${m.labels['k']}`, m.value]),
  );
}
