import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number >= 1. */
export function parsePositiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${raw}"`);
  return n;
}
