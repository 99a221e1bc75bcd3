/**
 * Which source keys an override or an `ignore` entry applies to: an exact key (`momentum`), a glob
 * (`intraday-*`: `*` any run of characters, `?` one character, nothing else special), or
 * `{ regex: '...' }` matching the whole key (anchored, like the rules' label matchers).
 */

export type KeyPattern =
  | { readonly kind: 'exact'; readonly source: string }
  | { readonly kind: 'glob'; readonly source: string; readonly regex: RegExp }
  | { readonly kind: 'regex'; readonly source: string; readonly regex: RegExp };

/** Whether `key` is matched by `pattern`. */
export function matchesKey(pattern: KeyPattern, key: string): boolean {
  return pattern.kind === 'exact' ? pattern.source === key : pattern.regex.test(key);
}

/** A pattern as written in the file, for messages and docs. */
export function describePattern(pattern: KeyPattern): string {
  return pattern.kind === 'regex' ? `{ regex: '${pattern.source}' }` : `'${pattern.source}'`;
}

/** A key text: a glob when it holds `*` or `?`, else an exact key. */
export function keyPattern(text: string): KeyPattern {
  if (!/[*?]/.test(text)) return { kind: 'exact', source: text };
  const body = [...text]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  // No `g` or `y` flag: `test` then keeps no state between calls.
  return { kind: 'glob', source: text, regex: new RegExp(`^${body}$`, 'su') };
}

/** A `{ regex }` pattern, anchored, or why it does not compile. */
export function regexPattern(source: string): KeyPattern | { readonly problem: string } {
  try {
    return { kind: 'regex', source, regex: new RegExp(`^(?:${source})$`, 'u') };
  } catch (e: unknown) {
    return { problem: `is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}` };
  }
}
