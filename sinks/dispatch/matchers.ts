/**
 * Label matchers of routes, inhibition rules and silences, in the rules' match syntax (equals, an
 * anchored regex, one of a list), and the label set an alert is matched on: its labels plus `rule`,
 * `env` and `severity` (which win on a clash).
 */
import { compileRegex, matchesAll, type LabelMatcher } from '../../core/label-matchers.ts';
import type { Alert } from '../../schemas/index.ts';

export type { LabelMatcher };
export { matchesAll };

/** A matcher as stored (JSON) and printed: no compiled RegExp. */
export type StoredMatcher =
  | { readonly label: string; readonly kind: 'equals'; readonly value: string }
  | { readonly label: string; readonly kind: 'regex'; readonly source: string }
  | { readonly label: string; readonly kind: 'in'; readonly values: readonly string[] };

/** The labels an alert is matched on: its own, then `rule`, `env`, `severity`. */
export function matchLabels(
  alert: Pick<Alert, 'labels' | 'rule' | 'env' | 'severity'>,
): Record<string, string> {
  return { ...alert.labels, rule: alert.rule, env: alert.env, severity: alert.severity };
}

/** A stored matcher, compiled (a regex that no longer compiles never matches). */
export function compileMatcher(m: StoredMatcher): LabelMatcher {
  if (m.kind !== 'regex') return m;
  const regex = compileRegex(m.source);
  return {
    label: m.label,
    kind: 'regex',
    source: m.source,
    regex: regex instanceof RegExp ? regex : /(?!)/u,
  };
}

/** The stored form of a compiled matcher. */
export function storeMatcher(m: LabelMatcher): StoredMatcher {
  return m.kind === 'regex' ? { label: m.label, kind: 'regex', source: m.source } : m;
}

/** `label=value`, `label=~regex`, `label=[a,b]`. */
export function showMatcher(m: StoredMatcher): string {
  switch (m.kind) {
    case 'equals':
      return `${m.label}=${m.value}`;
    case 'regex':
      return `${m.label}=~${m.source}`;
    case 'in':
      return `${m.label}=[${m.values.join(',')}]`;
  }
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a command-line matcher: `label=value` (equals), `label=~regex` (the whole value, anchored) or
 * `label=[a,b,c]` (one of). Returns the matcher or what is wrong with the text.
 */
export function parseMatcher(text: string): LabelMatcher | { problem: string } {
  const eq = text.indexOf('=');
  const forms = 'label=value, label=~regex or label=[a,b]';
  if (eq <= 0) return { problem: `"${text}" is not a matcher: expected ${forms}` };
  const label = text.slice(0, eq);
  if (!LABEL_NAME.test(label)) {
    return { problem: `"${label}" is not a label name: letters, digits and _ (not first a digit)` };
  }
  const rest = text.slice(eq + 1);
  if (rest.startsWith('~')) {
    const regex = compileRegex(rest.slice(1));
    return regex instanceof RegExp
      ? { label, kind: 'regex', source: rest.slice(1), regex }
      : { problem: `"${rest.slice(1)}" ${regex.problem}` };
  }
  if (rest.startsWith('[') && rest.endsWith(']')) {
    const values = rest
      .slice(1, -1)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) return { problem: `"${text}": expected at least one value in [...]` };
    return { label, kind: 'in', values };
  }
  return { label, kind: 'equals', value: rest };
}
