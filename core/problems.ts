/**
 * Problems found in a value: where (a field path such as `predictions[2].rank`), what was expected
 * and what was found. One error lists every problem, so a producer fixes them all in one go.
 */

/** One thing wrong with a value. */
export interface Problem {
  /** Field path from the record: `cash`, `predictions[2].rank`, `labels.venue`; empty for the record itself. */
  readonly path: string;
  /** What the schema expects there, e.g. `int`, `one of prod, staging, paper`. */
  readonly expected: string;
  /** The value found, rendered for a human (`"production"`, `12.5`, `nothing (missing)`). */
  readonly found: string;
}

/** The path of field `name` inside `parent`. */
export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** The path of array item `index` inside `parent`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** The path of map entry `key` inside `parent`: `labels.venue`, or `labels["a b"]` for unusual keys. */
export function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

const MAX_RENDERED = 80;

/** A value as shown in a problem: JSON where possible, shortened, with `undefined` as "missing". */
export function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${value} (not finite)`;
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date) return `a Date (${value.toISOString()}); use epoch ms`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    // Circular structures and the like: say what it is rather than failing the error report.
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_RENDERED ? `${text.slice(0, MAX_RENDERED - 1)}…` : text;
}

/** The problems as indented lines, for an error message. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => `  - ${p.path === '' ? '(the record)' : p.path}: expected ${p.expected}, found ${p.found}`)
    .join('\n');
}

/** The closest of `candidates` to `word` if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
