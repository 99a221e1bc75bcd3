import type { Rejection } from '../contract.ts';
import type { InferenceCycle, Metric, Outcome } from '../../schemas/index.ts';
import { WATERMARK_METRIC } from './names.ts';

const iso = (ts: number): string => {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? String(ts) : date.toISOString();
};

function timeProblems(asOf: number, horizonMs: number): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(asOf))
    problems.push(`as_of must be a safe integer of epoch ms, got ${String(asOf)}`);
  if (!Number.isSafeInteger(horizonMs) || horizonMs <= 0) {
    problems.push(`horizon_ms must be a positive integer of ms, got ${String(horizonMs)}`);
  }
  return problems;
}

/**
 * Checks what the Avro schema cannot: times, a positive horizon, and for a successful cycle finite
 * scores, distinct non-empty assets and ranks 1..n without gaps or repeats (predictions are taken in
 * rank order, so an ambiguous order is refused rather than guessed).
 */
export function validateCycle(cycle: InferenceCycle): Rejection | undefined {
  const problems = timeProblems(cycle.as_of, cycle.horizon_ms);
  if (cycle.cycle_id === '') problems.push('cycle_id must not be empty (it is the idempotency key)');
  if (cycle.strategy === '') problems.push('strategy must not be empty');
  if (cycle.status === 'success') {
    const assets = new Set<string>();
    const ranks = new Set<number>();
    cycle.predictions.forEach((p, i) => {
      if (p.asset === '') problems.push(`predictions[${i}].asset must not be empty`);
      else if (assets.has(p.asset)) problems.push(`predictions[${i}].asset ${p.asset} is predicted twice`);
      assets.add(p.asset);
      if (!Number.isFinite(p.score))
        problems.push(`predictions[${i}].score must be finite, got ${String(p.score)}`);
      if (!Number.isInteger(p.rank) || p.rank < 1 || p.rank > cycle.predictions.length) {
        problems.push(
          `predictions[${i}].rank must be between 1 and ${cycle.predictions.length} (ranks 1..n without gaps), got ${p.rank}`,
        );
      } else if (ranks.has(p.rank)) problems.push(`predictions[${i}].rank ${p.rank} is given twice`);
      ranks.add(p.rank);
    });
  }
  if (problems.length === 0) return undefined;
  return {
    reject: `invalid inference cycle ${cycle.cycle_id} (strategy ${cycle.strategy}, env ${cycle.env}, as_of ${iso(cycle.as_of)}): ${problems.join('; ')}`,
  };
}

/** Checks an outcome: times, a positive horizon, a non-empty asset and a finite forward return. */
export function validateOutcome(outcome: Outcome): Rejection | undefined {
  const problems = timeProblems(outcome.as_of, outcome.horizon_ms);
  if (outcome.asset === '') problems.push('asset must not be empty');
  if (!Number.isFinite(outcome.forward_return)) {
    problems.push(
      `forward_return must be a finite fraction (0.012 for +1.2%), got ${String(outcome.forward_return)}`,
    );
  }
  if (problems.length === 0) return undefined;
  return {
    reject: `invalid outcome of ${outcome.asset} (as_of ${iso(outcome.as_of)}, horizon ${String(outcome.horizon_ms)} ms): ${problems.join('; ')}`,
  };
}

/** The horizon of a watermark point (its `horizon_ms` label), or undefined if it is not a valid one. */
export function watermarkHorizon(metric: Metric): number | undefined {
  const horizon = Number(metric.labels['horizon_ms']);
  return metric.name === WATERMARK_METRIC && Number.isSafeInteger(horizon) && horizon > 0
    ? horizon
    : undefined;
}

/** Checks a Metric of ranking.by-as-of: only outcome watermarks travel there. */
export function validateWatermark(metric: Metric): Rejection | undefined {
  if (metric.name !== WATERMARK_METRIC) {
    return {
      reject: `unexpected metric ${metric.name} on ranking.by-as-of: only ${WATERMARK_METRIC} travels there`,
    };
  }
  if (watermarkHorizon(metric) === undefined) {
    return {
      reject: `invalid ${WATERMARK_METRIC}: label horizon_ms must be a positive integer of ms, got ${String(metric.labels['horizon_ms'])}`,
    };
  }
  if (!Number.isSafeInteger(metric.value)) {
    return {
      reject: `invalid ${WATERMARK_METRIC}: value must be an as_of (epoch ms), got ${String(metric.value)}`,
    };
  }
  const { partition, partitions } = metric.labels;
  if (partition !== undefined || partitions !== undefined) {
    const p = Number(partition);
    const n = Number(partitions);
    if (!/^\d+$/.test(partition ?? '') || !/^\d+$/.test(partitions ?? '') || !(p < n)) {
      return {
        reject:
          `invalid ${WATERMARK_METRIC}: labels partition and partitions must be whole numbers with ` +
          `partition < partitions, got partition ${String(partition)}, partitions ${String(partitions)}`,
      };
    }
  }
  return undefined;
}
