/**
 * What the Avro schemas cannot check about the records the baseline processor uses. Each function
 * returns the rejection (dead-lettered as TW_RECORD_INVALID) naming the record, every bad field, its
 * value and what is expected, or undefined when the record is valid.
 */
import type { Rejection } from '../contract.ts';
import { ENVIRONMENTS, type InferenceCycle, type Metric, type Trade } from '../../schemas/index.ts';

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function rejection(what: string, problems: readonly string[]): Rejection | undefined {
  return problems.length === 0 ? undefined : { reject: `invalid ${what}: ${problems.join('; ')}` };
}

/** A success cycle: a strategy, timings that do not run backwards. */
export function validateCycle(cycle: InferenceCycle): Rejection | undefined {
  const problems: string[] = [];
  if (cycle.strategy === '') problems.push('strategy must not be empty');
  if (cycle.finished_at < cycle.started_at) {
    problems.push(
      `finished_at (${cycle.finished_at}) must not be before started_at (${cycle.started_at}): ` +
        'the latency would be negative',
    );
  }
  return rejection(
    `inference cycle ${cycle.cycle_id} (strategy ${cycle.strategy}, env ${cycle.env})`,
    problems,
  );
}

/** A fill: a strategy, a positive finite quantity and price, a finite fee, a quote currency. */
export function validateTrade(trade: Trade): Rejection | undefined {
  const problems: string[] = [];
  if (trade.strategy === '') problems.push('strategy must not be empty');
  if (!Number.isFinite(trade.quantity) || trade.quantity <= 0) {
    problems.push(
      `quantity must be a finite number > 0 (the side gives the direction), got ${trade.quantity}`,
    );
  }
  if (!Number.isFinite(trade.price) || trade.price <= 0) {
    problems.push(`price must be a finite number > 0, got ${trade.price}`);
  }
  if (!Number.isFinite(trade.fee)) problems.push(`fee must be a finite number, got ${trade.fee}`);
  if (trade.quote_currency === '') problems.push('quote_currency must not be empty');
  return rejection(
    `trade ${trade.trade_id} (portfolio ${trade.portfolio}, env ${trade.env}, asset ${trade.asset})`,
    problems,
  );
}

/**
 * A point of a summed metric: labelled by exactly `strategy` and `env` (its sums become the
 * strategy's observations, one series per strategy and env), with a finite value.
 */
export function validateSummedPoint(metric: Metric, series: string): Rejection | undefined {
  const problems: string[] = [];
  const names = Object.keys(metric.labels).sort();
  if (names.length !== 2 || names[0] !== 'env' || names[1] !== 'strategy') {
    problems.push(
      `labels must be exactly strategy and env (the series of a strategy's baseline), got ${names.length === 0 ? 'none' : names.join(', ')}`,
    );
  }
  const env = metric.labels['env'];
  if (env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(env)) {
    problems.push(`the env label must be one of ${ENVIRONMENTS.join(', ')}, got ${show(env)}`);
  }
  if (metric.labels['strategy'] === '') problems.push('the strategy label must not be empty');
  if (!Number.isFinite(metric.value)) problems.push(`value must be a finite number, got ${metric.value}`);
  return rejection(`metric point ${series} at ts ${metric.ts}`, problems);
}
