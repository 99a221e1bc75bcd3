/** Label matchers: which series of a metric a rule applies to. */
import type { LabelMatcher } from './types.ts';

/**
 * Whether every matcher holds on `labels`. A matcher needs its label to be present: `portfolio: alpha`
 * does not match a series without a `portfolio` label, whatever the matcher.
 */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => {
    if (!Object.hasOwn(labels, m.label)) return false;
    const value = labels[m.label] ?? '';
    switch (m.kind) {
      case 'equals':
        return value === m.value;
      case 'regex':
        return m.regex.test(value);
      case 'in':
        return m.values.includes(value);
    }
  });
}

/**
 * A regex matcher's expression, anchored like Prometheus (`alpha-.*` must match the whole value), or
 * the reason it does not compile.
 */
export function compileRegex(source: string): RegExp | { problem: string } {
  try {
    // No `g` or `y` flag: `test` then keeps no state between calls.
    return new RegExp(`^(?:${source})$`, 'u');
  } catch (e: unknown) {
    return { problem: `is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}` };
  }
}
