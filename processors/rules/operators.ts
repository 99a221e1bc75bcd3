/** The comparison operators a rule can use, and what "holds" and "the safe side" mean for each. */

/** Every operator, in the order shown in messages. */
export const OPERATORS = ['>', '>=', '<', '<='] as const;
export type Operator = (typeof OPERATORS)[number];

/** Whether `value op bound` holds. NaN never holds (every comparison with NaN is false). */
export function holds(op: Operator, value: number, bound: number): boolean {
  switch (op) {
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
  }
}

/**
 * Whether `clear` is on the safe side of `threshold`: for `>` and `>=` the alert fires on high values, so
 * it must clear at or below the threshold; for `<` and `<=` at or above it. Otherwise a value could
 * resolve the alert while the firing condition still holds, and the alert would flap on every point.
 */
export function clearIsSafe(op: Operator, threshold: number, clear: number): boolean {
  return op === '>' || op === '>=' ? clear <= threshold : clear >= threshold;
}
