/**
 * Expectations: declarative checks of a run's signal values (connectors.yaml). A value that breaks one
 * is still published, with the check's name in its `flags`; per expectation the run counts the values
 * checked and broken, and fails the expectation when the broken share exceeds `tolerate`.
 */
import type { Expectation } from '../config/types.ts';

/** A glob (`*`, `?`) as an anchored regex. */
function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether `value` (with its series' previous value) passes `e`. */
export function passes(e: Expectation, value: number | null, previous: number | undefined): boolean {
  if (value === null || Number.isNaN(value)) return e.check !== 'not_null';
  switch (e.check) {
    case 'not_null':
      return true;
    case 'non_negative':
      return value >= 0;
    case 'positive':
      return value > 0;
    case 'range':
      return (e.min === undefined || value >= e.min) && (e.max === undefined || value <= e.max);
    case 'change': {
      if (previous === undefined || e.maxChange === undefined) return true;
      if (previous === 0) return value === 0;
      return Math.abs(value - previous) / Math.abs(previous) <= e.maxChange;
    }
  }
}

/** The tally of one expectation over a run's values. */
export interface ExpectationTally {
  readonly expectation: Expectation;
  checked: number;
  broken: number;
}

/** Checks values against expectations: flags per value, tallies per expectation. */
export class ExpectationChecker {
  readonly tallies: ExpectationTally[];
  readonly #matchers: RegExp[];

  constructor(expectations: readonly Expectation[]) {
    this.tallies = expectations.map((expectation) => ({ expectation, checked: 0, broken: 0 }));
    this.#matchers = expectations.map((e) => globRegex(e.signal));
  }

  /** The flags of one value (the checks it breaks), tallied; a null value also gets `not_null`. */
  check(name: string, value: number | null, previous: number | undefined): string[] {
    const flags = new Set<string>();
    if (value === null) flags.add('not_null');
    this.tallies.forEach((tally, i) => {
      if (!this.#matchers[i]!.test(name)) return;
      tally.checked += 1;
      if (!passes(tally.expectation, value, previous)) {
        tally.broken += 1;
        flags.add(tally.expectation.check);
      }
    });
    return [...flags].sort();
  }
}

/** Whether a tally fails its expectation: a broken share above what it tolerates. */
export function failed(tally: ExpectationTally): boolean {
  return tally.checked > 0 && tally.broken / tally.checked > tally.expectation.tolerate;
}
