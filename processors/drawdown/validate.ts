import type { Rejection } from '../contract.ts';
import type { PortfolioMark } from '../../schemas/index.ts';

/**
 * Checks what the Avro schema cannot: a positive finite equity, an integer timestamp, a finite cash.
 * Returns the rejection naming the field, its value and what is expected, or undefined if the mark is valid.
 */
export function validateMark(mark: PortfolioMark): Rejection | undefined {
  const problems: string[] = [];
  if (!Number.isSafeInteger(mark.ts)) {
    problems.push(`ts must be a safe integer of epoch milliseconds, got ${String(mark.ts)}`);
  }
  if (!Number.isFinite(mark.equity) || mark.equity <= 0) {
    problems.push(
      `equity must be a finite number > 0 (a drawdown divides by it), got ${String(mark.equity)}`,
    );
  }
  if (mark.cash !== null && !Number.isFinite(mark.cash)) {
    problems.push(`cash must be null or a finite number, got ${String(mark.cash)}`);
  }
  if (problems.length === 0) return undefined;
  return {
    reject: `invalid portfolio mark (portfolio ${mark.portfolio}, env ${mark.env}, ts ${String(mark.ts)}): ${problems.join('; ')}`,
  };
}
