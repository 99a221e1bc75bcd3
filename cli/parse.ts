import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/durations.ts';
import { parseIsoTimestamp } from '../schemas/index.ts';

/** Commander parser for a whole number >= 1. */
export function parsePositiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${raw}"`);
  return n;
}

/** The forms `parseWhen` takes, for option descriptions and errors. */
export const WHEN =
  'a duration back from now (30m, 2h, 7d) or an ISO-8601 time with a zone (2026-12-01T09:00:00Z)';

/** `--since 2h` → now − 2h; `--since 2026-12-01T09:00:00Z` → that time. */
export function parseWhen(raw: string, now: number): number {
  const iso = parseIsoTimestamp(raw);
  if (iso !== undefined) return iso;
  const ago = parseDuration(raw);
  if (ago === undefined) throw new InvalidArgumentError(`expected ${WHEN}, found "${raw}"`);
  return now - ago;
}

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
