/**
 * The notations of rule tests, as `promtool test rules` writes them: a series as a Prometheus selector
 * (`drawdown_1h{portfolio="alpha",env="prod"}`) and its values in expanding notation:
 * - `a` one value (a number, `NaN`, `Inf`, `-Inf`);
 * - `a+bxN` the N+1 values a, a+b, ..., a+N·b (`a-bxN` decrements): `1+1x3` is `1 2 3 4`;
 * - `axN` a repeated: N+1 values (`0.06x3` is `0.06 0.06 0.06 0.06`, as promtool's `1x4` is five values);
 * - `_` a missing sample (no point at that step), `_xN` N missing samples; `stale` is read as missing.
 */

/** A parsed series selector. */
export interface SeriesSelector {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*/;

/** The series `text` names, or why it is not a series selector. */
export function parseSeries(text: string): SeriesSelector | { readonly problem: string } {
  const expected = 'expected a series such as drawdown_1h{portfolio="alpha",env="prod"}';
  const name = NAME.exec(text.trim())?.[0];
  if (name === undefined) return { problem: `${expected}: it must start with the metric name` };
  let rest = text.trim().slice(name.length).trim();
  const labels: Record<string, string> = {};
  if (rest === '') return { name, labels };
  if (!rest.startsWith('{') || !rest.endsWith('}')) {
    return { problem: `${expected}: labels go in {...} after the name` };
  }
  rest = rest.slice(1, -1);
  while (rest.trim() !== '') {
    const label = LABEL.exec(rest);
    if (label === null) return { problem: `${expected}: cannot read a label at "${rest.trim()}"` };
    rest = rest.slice(label[0].length);
    const quoted = readQuoted(rest);
    if (quoted === undefined) {
      return { problem: `${expected}: the value of ${label[1]} must be quoted ("...")` };
    }
    const key = label[1] ?? '';
    if (Object.hasOwn(labels, key)) return { problem: `label ${key} is given twice` };
    labels[key] = quoted.value;
    rest = quoted.rest.trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.trim() !== '') return { problem: `${expected}: expected "," or "}" at "${rest.trim()}"` };
  }
  return { name, labels };
}

function readQuoted(text: string): { value: string; rest: string } | undefined {
  const quote = text[0];
  if (quote !== '"' && quote !== "'") return undefined;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      value += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
      i++;
    } else if (c === quote) return { value, rest: text.slice(i + 1) };
    else value += c;
  }
  return undefined;
}

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN`;
const SINGLE = new RegExp(`^(?:${NUMBER})$`);
const EXPANDING = new RegExp(`^(${NUMBER})(?:([+-])(${NUMBER}))?x(\\d+)$`);
const MISSING = /^(?:_|stale)(?:x(\d+))?$/;
/** Past this many values a test is more likely a typo (`0x1000000`) than a test. */
const MAX_VALUES = 100_000;

/** A sample of a series: a number, or null for a missing sample. */
export type Sample = number | null;

function toNumber(text: string): number {
  if (/^[+]?Inf$/.test(text)) return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

const tooMany = () => ({ problem: `more than ${MAX_VALUES} values: split the series` });

/** The samples `text` expands to, or why it cannot be read (naming the token). */
export function expandValues(text: string): Sample[] | { readonly problem: string } {
  const samples: Sample[] = [];
  for (const token of text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')) {
    const missing = MISSING.exec(token);
    if (missing !== null) {
      // `_xN` is N missing samples: a missing sample cannot increment (promtool's rule).
      const count = missing[1] === undefined ? 1 : Number(missing[1]);
      if (samples.length + count > MAX_VALUES) return tooMany();
      for (let i = 0; i < count; i++) samples.push(null);
    } else if (SINGLE.test(token)) {
      samples.push(toNumber(token));
    } else {
      const match = EXPANDING.exec(token);
      if (match === null) {
        return {
          problem: `cannot read "${token}": expected a number, a+bxN, a-bxN, axN, _ or _xN (e.g. '0.01 0.02 0.06x3 _ 0.03')`,
        };
      }
      const start = toNumber(match[1] ?? '');
      const step = match[3] === undefined ? 0 : toNumber(match[3]) * (match[2] === '-' ? -1 : 1);
      const count = Number(match[4]);
      if (samples.length + count + 1 > MAX_VALUES) return tooMany();
      for (let i = 0; i <= count; i++) samples.push(start + i * step);
    }
    if (samples.length > MAX_VALUES) return tooMany();
  }
  return samples;
}
