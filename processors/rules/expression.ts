/**
 * Rule conditions in CEL (the Common Expression Language, https://github.com/google/cel-spec), through
 * @marcbachmann/cel-js: not Turing complete, no I/O, no access to anything but the variables below. The
 * environment is CEL's standard one (operators, macros, string, list, map, timestamp and duration
 * functions) with no custom function. Every expression is parsed and type-checked when the rules file
 * is loaded, so a syntax or type error stops start-up with its file and line; at run time an
 * expression can still fail on data (a missing map key, a division by zero): see {@link evaluateCondition}.
 *
 * Variables, for a metric point (a rule with `metric:`):
 * - `value` (double): the point's value;
 * - `labels` (map<string, string>): its labels, env included (`labels.portfolio`, `"venue" in labels`);
 * - `name` (string): the metric name;
 * - `ts` (int): its event time, epoch milliseconds;
 * - `time` (timestamp): the same instant as a CEL timestamp (`time.getHours("America/New_York")`).
 *
 * For a record (a rule with `record: <topic>`, see record-inputs.ts):
 * - `record`: the record, typed after its Avro schema (`record.rows`, `record.status`): a field that
 *   does not exist is an error at load; ints, longs and timestamps are CEL ints, optional fields are
 *   dyn (null when absent: `record.error != null`);
 * - `labels` (map<string, string>): its label fields as text, env included;
 * - `env` (string), `ts` (int: its event time, epoch ms), `time` (timestamp);
 * - `value` (double): only when the rule names a numeric `field`, that field's value.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { Metric } from '../../schemas/index.ts';
import { closest } from '../../core/problems.ts';
import { toCelValue, type RecordShape } from './record-inputs.ts';

/** The variables of a condition over metric points and their CEL types, in the order shown in messages. */
export const EXPRESSION_VARIABLES = {
  value: 'double',
  labels: 'map<string, string>',
  name: 'string',
  ts: 'int',
  time: 'google.protobuf.Timestamp',
} as const;

/** What an expression is evaluated on: metric points, or the records of one type. */
export interface ExpressionScope {
  /** The record type of a rule over records; null for metric points. */
  readonly record: RecordShape | null;
  /** Whether `value` exists (always for metric points; with `field` for records). */
  readonly value: boolean;
}

export const METRIC_SCOPE: ExpressionScope = Object.freeze({ record: null, value: true });

/** The variables of a scope and their CEL types, in the order shown in messages. */
export function scopeVariables(scope: ExpressionScope): Readonly<Record<string, string>> {
  if (scope.record === null) return EXPRESSION_VARIABLES;
  return {
    record: scope.record.type,
    labels: 'map<string, string>',
    env: 'string',
    ts: 'int',
    time: 'google.protobuf.Timestamp',
    ...(scope.value ? { value: 'double' } : {}),
  };
}

/** A compiled condition: evaluating it cannot fail on types, only on data. */
export interface Condition {
  /** The CEL text as written in the rules file. */
  readonly source: string;
  readonly evaluate: ParseResult;
}

// One environment per scope, shared by its rules: creating one is the expensive part, and it holds no
// state between evaluations. Limits keep a hostile or mistaken expression small.
const environments = new Map<string, Environment>();

function environmentOf(scope: ExpressionScope): Environment {
  const id = `${scope.record?.type ?? 'Metric'}|${scope.value}`;
  let env = environments.get(id);
  if (env !== undefined) return env;
  env = new Environment({
    limits: {
      maxAstNodes: 1000,
      maxDepth: 32,
      maxListElements: 100,
      maxMapEntries: 100,
      maxCallArguments: 8,
    },
  });
  if (scope.record !== null) {
    env = env.registerType(scope.record.type, {
      fields: Object.fromEntries(scope.record.fields.map((f) => [f.name, f.celType])),
    });
  }
  for (const [name, type] of Object.entries(scopeVariables(scope))) env = env.registerVariable(name, type);
  environments.set(id, env);
  return env;
}

/** Where in the expression a problem is (0-based character offset) and what it is. */
export interface ExpressionProblem {
  readonly offset: number;
  readonly message: string;
}

/** The compiled condition, or why it does not compile (syntax, unknown variable, types, not a bool). */
export function compileCondition(
  source: string,
  scope: ExpressionScope = METRIC_SCOPE,
): Condition | ExpressionProblem {
  const environment = environmentOf(scope);
  const checked = environment.check(source);
  if (!checked.valid) {
    const error = checked.error;
    const summary = error?.summary ?? error?.message ?? 'invalid expression';
    return { offset: error?.range?.start ?? 0, message: `${summary}${hintFor(summary, scope)}` };
  }
  if (checked.type !== 'bool') {
    return {
      offset: 0,
      message: `a condition must be true or false (a bool); this expression is a ${checked.type ?? 'value of unknown type'}`,
    };
  }
  try {
    return { source, evaluate: environment.parse(source) };
  } catch (e: unknown) {
    // check() parses too, so this is not expected; keep its reason rather than a stack.
    return { offset: 0, message: e instanceof Error ? e.message : String(e) };
  }
}

function hintFor(summary: string, scope: ExpressionScope): string {
  const variables = Object.keys(scopeVariables(scope));
  const unknown = /^Unknown variable: (\S+)$/.exec(summary)?.[1];
  if (unknown !== undefined) {
    const guess = closest(unknown, variables);
    return (
      (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
      `; variables: ${variables.join(', ')}` +
      (unknown === 'value' && scope.record !== null
        ? ' (a rule over records has a value only when it names a numeric field: field: <name>)'
        : '')
    );
  }
  const key = /^No such key: (\S+)$/.exec(summary)?.[1];
  if (key !== undefined && scope.record !== null) {
    const fields = scope.record.fields.map((f) => f.name);
    if (!fields.includes(key)) {
      const guess = closest(key, fields);
      return (
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `: ${scope.record.type} records have the fields ${fields.join(', ')}`
      );
    }
  }
  if (/no such overload: (double \S+ int|int \S+ double)/.test(summary)) {
    return ': CEL does not mix double and int in arithmetic or ==; write the number with a decimal point (3.0)';
  }
  if (/no such overload: (string \S+ (int|double)|(int|double) \S+ string)/.test(summary)) {
    return ': label values are text: compare with a quoted value (labels.k == "3") or convert (double(labels.k) > 3.0)';
  }
  if (/^found no matching overload for '\w+\(/.test(summary)) {
    return ': only the functions of the CEL standard library exist (see processors/rules/README.md)';
  }
  return '';
}

/** The CEL variables of a record (see the module comment); `value` only when the rule names a field. */
export function recordVariables(
  shape: RecordShape,
  record: Readonly<Record<string, unknown>>,
  labels: Readonly<Record<string, string>>,
  env: string,
  ts: number,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of shape.fields) fields[field.name] = toCelValue(field.node, record[field.name]);
  return { record: fields, labels, env, ts: BigInt(ts), time: new Date(ts) };
}

/** The CEL variables of a metric point. */
export function metricVariables(metric: Metric): Record<string, unknown> {
  return {
    value: metric.value,
    labels: metric.labels,
    name: metric.name,
    ts: BigInt(metric.ts),
    time: new Date(metric.ts),
  };
}

/**
 * Whether the condition holds for these variables, or why it could not be decided (a missing map key
 * such as `labels.venue` on a series without that label, a division by zero, an overflow).
 */
export function evaluateCondition(
  condition: Condition,
  variables: Record<string, unknown>,
): boolean | { readonly error: string } {
  try {
    const result: unknown = condition.evaluate(variables);
    return result === true;
  } catch (e: unknown) {
    const summary = (e as { summary?: unknown }).summary;
    return { error: typeof summary === 'string' ? summary : e instanceof Error ? e.message : String(e) };
  }
}
