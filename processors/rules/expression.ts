/**
 * Rule conditions in CEL (the Common Expression Language, https://github.com/google/cel-spec), through
 * @marcbachmann/cel-js: not Turing complete, no I/O, no access to anything but the variables below. The
 * environment is CEL's standard one (operators, macros, string, list, map, timestamp and duration
 * functions) with no custom function. Every expression is parsed and type-checked when the rules file
 * is loaded, so a syntax or type error stops start-up with its file and line; at run time an
 * expression can still fail on data (a missing map key, a division by zero): see {@link evaluateCondition}.
 *
 * Variables, for a metric point:
 * - `value` (double): the point's value;
 * - `labels` (map<string, string>): its labels, env included (`labels.portfolio`, `"venue" in labels`);
 * - `name` (string): the metric name;
 * - `ts` (int): its event time, epoch milliseconds;
 * - `time` (timestamp): the same instant as a CEL timestamp (`time.getHours("America/New_York")`).
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { Metric } from '../../schemas/index.ts';
import { closest } from '../../schemas/problems.ts';

/** The variables of a condition and their CEL types, in the order shown in messages. */
export const EXPRESSION_VARIABLES = {
  value: 'double',
  labels: 'map<string, string>',
  name: 'string',
  ts: 'int',
  time: 'google.protobuf.Timestamp',
} as const;

/** A compiled condition: evaluating it cannot fail on types, only on data. */
export interface Condition {
  /** The CEL text as written in the rules file. */
  readonly source: string;
  readonly evaluate: ParseResult;
}

// One environment for every rule: creating one is the expensive part, and it holds no state between
// evaluations. Limits keep a hostile or mistaken expression small.
const environment = (() => {
  let env = new Environment({
    limits: {
      maxAstNodes: 1000,
      maxDepth: 32,
      maxListElements: 100,
      maxMapEntries: 100,
      maxCallArguments: 8,
    },
  });
  for (const [name, type] of Object.entries(EXPRESSION_VARIABLES)) env = env.registerVariable(name, type);
  return env;
})();

/** Where in the expression a problem is (0-based character offset) and what it is. */
export interface ExpressionProblem {
  readonly offset: number;
  readonly message: string;
}

/** The compiled condition, or why it does not compile (syntax, unknown variable, types, not a bool). */
export function compileCondition(source: string): Condition | ExpressionProblem {
  const checked = environment.check(source);
  if (!checked.valid) {
    const error = checked.error;
    const summary = error?.summary ?? error?.message ?? 'invalid expression';
    return { offset: error?.range?.start ?? 0, message: `${summary}${hintFor(summary)}` };
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

function hintFor(summary: string): string {
  const unknown = /^Unknown variable: (\S+)$/.exec(summary)?.[1];
  if (unknown !== undefined) {
    const guess = closest(unknown, Object.keys(EXPRESSION_VARIABLES));
    return (
      (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
      `; variables: ${Object.keys(EXPRESSION_VARIABLES).join(', ')}`
    );
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
