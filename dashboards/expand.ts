/**
 * A panel's SQL as the QuestDB plugin sends it to QuestDB, expanded in the plugin's order:
 * 1. in the browser (questdb/grafana-questdb-datasource, src/data/QuestDbDatasource.ts,
 *    `applyTemplateVariables`): `$__conditionalAll(cond, $var)` becomes `1=1` when the variable is All
 *    (`$__all`) or empty, else `cond`; then Grafana's template service replaces the variables (`$var`,
 *    `${var}`, `[[var]]`), a list as `'a','b'`, a single value as it is (unquoted: the SQL quotes it);
 * 2. in the plugin's backend (pkg/macros/macros.go, through grafana/sqlds): `$__timeFilter(col)` →
 *    `col >= cast(<from µs> as timestamp) AND col <= cast(<to µs> as timestamp)`, `$__fromTime` and
 *    `$__toTime` → `cast(<µs> as timestamp)`, `$__sampleByInterval` → the query's interval as `<n>d`
 *    (whole days), `<n>h`, `<n>s` or `<n>T` (milliseconds).
 * The interval is Grafana's (`@grafana/data` rangeutil `calculateInterval`): the range divided by the
 * panel's maxDataPoints, rounded to a "nice" step.
 */

/** A variable's value: one value, or All (`$__all`), with every value it can take (for All). */
export interface VariableValue {
  readonly value: string;
  readonly all?: readonly string[];
}

export const ALL = '$__all';

export interface ExpandOptions {
  /** The dashboard's variables by name. */
  readonly variables: ReadonlyMap<string, VariableValue>;
  /** The time range, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** The panel's maxDataPoints (the interval is the range divided by it, rounded). */
  readonly maxDataPoints: number;
}

/** Step 1: `$__conditionalAll` (the plugin's `applyConditionalAll`, same argument scanning). */
export function applyConditionalAll(sql: string, variables: ReadonlyMap<string, VariableValue>): string {
  const macro = '$__conditionalAll(';
  let query = sql;
  let index = query.lastIndexOf(macro);
  while (index !== -1) {
    const params = macroArgs(query, index + macro.length - 1);
    if (params.length !== 2) return query;
    const [condition, variable] = params as [string, string];
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(variable.trim())?.[0];
    let phrase = condition;
    if (name !== undefined) {
      const value = variables.get(name)?.value;
      if (value === '' || value === ALL) phrase = '1=1';
    }
    query = query.replace(`${macro}${condition},${variable})`, phrase);
    index = query.lastIndexOf(macro);
  }
  return query;
}

/** The plugin's `getMacroArgs`: arguments split at top-level commas, from the `(` at `at`. */
function macroArgs(query: string, at: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  let depth = 0;
  let start = 1;
  const rest = query.substring(at);
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.substring(start, re.lastIndex - 1));
      start = re.lastIndex;
    }
    if (depth === 0) {
      args.push(rest.substring(start, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

/** Grafana's variable syntax (`@grafana/data` variableRegex): `$var`, `[[var]]`, `${var}`, `${var:fmt}`. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Step 1, continued: Grafana's template service with the plugin's formatter. */
export function replaceVariables(
  sql: string,
  variables: ReadonlyMap<string, VariableValue>,
  builtins: ReadonlyMap<string, string> = new Map(),
): string {
  return sql.replace(VARIABLE, (match, a?: string, b?: string, _f?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const builtin = builtins.get(name);
    if (builtin !== undefined) return builtin;
    const variable = variables.get(name);
    if (variable === undefined) return match;
    if (variable.value === ALL) return `'${(variable.all ?? []).join("','")}'`;
    return variable.value;
  });
}

/** `@grafana/data` rangeutil roundInterval: a "nice" interval for a raw one, both in ms. */
export function roundInterval(ms: number): number {
  const steps: readonly [number, number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12500, 10000],
    [17500, 15000],
    [25000, 20000],
    [45000, 30000],
    [90000, 60000],
    [210000, 120000],
    [450000, 300000],
    [750000, 600000],
    [1050000, 900000],
    [1500000, 1200000],
    [2700000, 1800000],
    [5400000, 3600000],
    [9000000, 7200000],
    [16200000, 10800000],
    [32400000, 21600000],
    [86400000, 43200000],
    [604800000, 86400000],
    [1814400000, 604800000],
    [3628800000, 2592000000],
  ];
  for (const [below, step] of steps) if (ms < below) return step;
  return 31536000000;
}

/** The query interval Grafana sends for a range and maxDataPoints, in ms (1 ms at least). */
export function queryIntervalMs(from: number, to: number, maxDataPoints: number): number {
  return Math.max(1, roundInterval((to - from) / maxDataPoints));
}

/** The plugin's `$__sampleByInterval` of an interval in ms (pkg/macros SampleByInterval). */
export function sampleByInterval(intervalMs: number): string {
  const hoursExact = intervalMs / 3_600_000;
  const hours = Math.max(Math.trunc(hoursExact), 0);
  const seconds = Math.max(Math.trunc(intervalMs / 1000), 0);
  if (hours > 0) return hours >= 24 && hoursExact === hours ? `${hours / 24}d` : `${hours}h`;
  if (seconds > 0) return `${seconds}s`;
  return `${Math.max(Math.trunc(intervalMs), 1)}T`;
}

/** `cast(<µs> as timestamp)`, as the plugin writes a time. */
function castMicros(ms: number): string {
  return `cast(${Math.trunc(ms) * 1000} as timestamp)`;
}

/** Step 2: the backend's macros (sqlds finds `$__name\b` and a bracketed argument list). */
export function applyMacros(sql: string, from: number, to: number, intervalMs: number): string {
  let query = sql;
  query = replaceMacro(query, 'timeFilter', (args) => {
    if (args.length !== 1) throw new Error(`$__timeFilter takes 1 argument, got ${args.length}`);
    const column = args[0] ?? '';
    return `${column} >= ${castMicros(from)} AND ${column} <= ${castMicros(to)}`;
  });
  query = replaceMacro(query, 'fromTime', () => castMicros(from));
  query = replaceMacro(query, 'toTime', () => castMicros(to));
  query = replaceMacro(query, 'sampleByInterval', () => sampleByInterval(intervalMs));
  return query;
}

function replaceMacro(sql: string, name: string, expand: (args: string[]) => string): string {
  const pattern = new RegExp(`\\$__${name}\\b`, 'g');
  let out = '';
  let last = 0;
  for (let m = pattern.exec(sql); m !== null; m = pattern.exec(sql)) {
    const end = m.index + m[0].length;
    const { args, length } = parseArgs(sql.slice(end));
    if (length < 0) throw new Error(`$__${name}: missing closing bracket`);
    out += sql.slice(last, m.index) + expand(args);
    last = end + length;
    pattern.lastIndex = last;
  }
  return out + sql.slice(last);
}

/** sqlds parseArgs: a bracketed, comma-separated argument list (nested brackets kept), trimmed. */
function parseArgs(text: string): { args: string[]; length: number } {
  if (!text.startsWith('(')) return { args: [], length: 0 };
  const args: string[] = [];
  let depth = 0;
  let arg = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(arg.trim());
        return { args, length: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(arg.trim());
      arg = '';
      continue;
    }
    arg += ch;
  }
  return { args: [], length: -1 };
}

/** A query's SQL as QuestDB receives it from the plugin. */
export function expandQuery(sql: string, options: ExpandOptions): string {
  const intervalMs = queryIntervalMs(options.from, options.to, options.maxDataPoints);
  const builtins = new Map([
    ['__from', String(options.from)],
    ['__to', String(options.to)],
    ['__interval_ms', String(intervalMs)],
  ]);
  const browser = replaceVariables(applyConditionalAll(sql, options.variables), options.variables, builtins);
  return applyMacros(browser, options.from, options.to, intervalMs);
}
