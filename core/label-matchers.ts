/**
 * Label matchers in the rules' match syntax (equals, an anchored regex, one of a list): which series a
 * rule applies to, and which alerts a route, an inhibition or a silence covers.
 */

/** A compiled label matcher: the label must be present on the metric and satisfy it. */
export type LabelMatcher =
  /** `portfolio: alpha`: the label equals the value. */
  | { readonly label: string; readonly kind: 'equals'; readonly value: string }
  /** `portfolio: { regex: 'alpha-.*' }`: the whole label value matches (anchored, like Prometheus). */
  | { readonly label: string; readonly kind: 'regex'; readonly source: string; readonly regex: RegExp }
  /** `env: { in: [prod, staging] }`: the label is one of the values. */
  | { readonly label: string; readonly kind: 'in'; readonly values: readonly string[] };

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
