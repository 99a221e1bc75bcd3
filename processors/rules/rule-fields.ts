/**
 * The fields of a rule in the rules file, as zod schemas: each says what it accepts in the words a
 * problem shows (`expected ..., found ...`) and describes itself for editors (rules.schema.json).
 * rule-schema.ts assembles them into the file's schema.
 */
import { z } from 'zod';
import { duration, found } from '../../core/config-file/index.ts';
import { DURATION_FORMS } from '../../core/durations.ts';
import { UNIT_DOCS, UNITS } from '../../core/units.ts';
import { ENVIRONMENTS, SEVERITIES } from '../../schemas/index.ts';
import { OPERATORS } from './operators.ts';
import { RECORD_TOPIC_NAMES } from './record-inputs.ts';
import { LABEL_NAME, LABELS, MATCH } from './rule-labels.ts';

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

const numberSchema = z.number({
  error: (issue) =>
    typeof issue.input === 'string' && /%\s*$/.test(issue.input)
      ? `expected a number, found ${found(issue.input)}: write ratios as fractions (0.05 for 5%)`
      : `expected a number, found ${found(issue.input)}`,
});

const durationSchema = (what: string) => duration({ description: `${what}; ${DURATION_FORMS}.` });

const conditionSchema = (description: string) =>
  z
    .string({ error: (i) => `expected a CEL expression (text), found ${found(i.input)}` })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .meta({ description });

function consecutiveProblem(input: unknown): string {
  return `expected a whole number ≥ 1 (how many points in a row must meet the threshold), found ${found(input)}`;
}

/** A required key's message when it is missing, else the field's own. */
const orMissing =
  (key: string, example: string, message: (input: unknown) => string) => (i: { input: unknown }) =>
    i.input === undefined ? `"${key}" is missing (e.g. ${example})` : message(i.input);

/** Every key of a rule, with its schema, in the order the file's format lists them. */
export const RULE_FIELDS = {
  name: z
    .string({
      error: orMissing(
        'name',
        'name: portfolio_drawdown_1h',
        (i) => `expected a snake_case name, found ${found(i)}`,
      ),
    })
    .regex(SNAKE_CASE, {
      error: (i) =>
        `expected a snake_case name (lower-case letters and digits joined by single "_", starting with a letter), found ${found(i.input)}`,
    })
    .meta({ description: 'Unique in the file: the alert\'s "rule" and part of its fingerprint.' }),
  description: z
    .string({ error: (i) => `expected a text (a template), found ${found(i.input)}` })
    .meta({ description: 'For people: a template rendered like the summary.' }),
  metric: z
    .string({ error: (i) => `expected a metric name, found ${found(i.input)}` })
    .regex(METRIC_NAME, {
      error: (i) => `expected a metric name in snake_case (e.g. drawdown_1h), found ${found(i.input)}`,
    })
    .meta({ description: 'The metric whose series the rule watches (points of the `metrics` topic).' }),
  record: z
    .enum(RECORD_TOPIC_NAMES as [string, ...string[]], {
      error: (i) =>
        `expected a topic whose records rules can watch (${RECORD_TOPIC_NAMES.join(', ')}), found ${found(i.input)}` +
        (i.input === 'metrics' ? ': for metric points write metric: <name>' : ''),
    })
    .meta({
      description:
        'Instead of metric: the topic whose records the rule watches, one by one (processors/rules/README.md, "Rules over records").',
    }),
  field: z
    .string({ error: (i) => `expected a field name, found ${found(i.input)}` })
    .regex(LABEL_NAME, { error: (i) => `expected a field name, found ${found(i.input)}` })
    .meta({
      description:
        "With record: the record's numeric field that is the alert's value (and `value` in expr and templates). Required with op and threshold.",
    }),
  match: MATCH,
  environments: z
    .array(
      z.enum(ENVIRONMENTS, {
        error: (i) => `expected one of ${ENVIRONMENTS.join(', ')}, found ${found(i.input)}`,
      }),
      {
        error: (i) => `expected a list of environments (${ENVIRONMENTS.join(', ')}), found ${found(i.input)}`,
      },
    )
    .min(1, { error: 'expected at least one environment (leave the key out for all)' })
    .refine((list) => new Set(list).size === list.length, { error: 'an environment is listed twice' })
    .meta({
      description:
        "The environments (the series' env label, the record's env field) the rule watches; default all. Exactly one for records without env (outcomes, signals).",
      uniqueItems: true,
    }),
  op: z
    .enum(OPERATORS, {
      error: (i) =>
        `expected one of ${OPERATORS.map((o) => `'${o}'`).join(', ')}, found ${found(i.input)}` +
        (i.input === '' || i.input === null || (typeof i.input === 'string' && i.input.includes('\n'))
          ? ": quote the operator (op: '>'), since an unquoted > starts a YAML folded block"
          : ''),
    })
    .meta({ description: 'With threshold: the condition is `value op threshold`. Quote it in YAML.' }),
  threshold: numberSchema.meta({ description: 'The bound of the condition `value op threshold`.' }),
  clear: numberSchema.meta({
    description:
      'Hysteresis: a firing alert resolves when `value op clear` stops holding. On the safe side of threshold; default threshold.',
  }),
  expr: conditionSchema(
    'The condition as a CEL expression over value (double), labels (map), name, ts (int, epoch ms) and time (timestamp); on records over record, labels, env, ts, time (and value with field). Instead of op and threshold.',
  ),
  clear_expr: conditionSchema(
    'With expr: a firing alert resolves on a point where this holds and expr does not. Default: when expr stops holding.',
  ),
  for: durationSchema(
    'How long (event time) the condition must hold on every point before the alert fires; pending until then. Default 0',
  ),
  keep_firing_for: durationSchema(
    'Once firing, how long (event time) the resolving condition must hold on every point before the alert resolves. Default 0',
  ),
  consecutive: z
    .number({ error: (i) => consecutiveProblem(i.input) })
    // Not .int(): its issue would stop the rule's cross-field checks; the JSON Schema still says integer.
    .refine(Number.isInteger, { error: (i) => consecutiveProblem(i.input) })
    .min(1, { error: (i) => consecutiveProblem(i.input) })
    .meta({
      type: 'integer',
      description: 'How many points in a row must meet the condition before the alert fires. Default 1.',
    }),
  unit: z.enum(UNITS, { error: (i) => `expected one of ${UNITS.join(', ')}, found ${found(i.input)}` }).meta({
    description: `How the alert's value and threshold read in notifications: ${UNITS.map((u) => `${u} (${UNIT_DOCS[u]})`).join('; ')}. Default: the plain number.`,
  }),
  severity: z
    .enum(SEVERITIES, {
      error: orMissing(
        'severity',
        'severity: critical',
        (i) => `expected one of ${SEVERITIES.join(', ')}, found ${found(i)}`,
      ),
    })
    .meta({ description: 'critical pages (prod), error and warning go to chat, info to a digest.' }),
  summary: z
    .string({
      error: orMissing(
        'summary',
        "summary: '{{labels.portfolio}} is down {{value | pct}}'",
        (i) => `expected a text (a template), found ${found(i)}`,
      ),
    })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .meta({
      description:
        "The alert's one line: a template with {{value}}, {{threshold}}, {{clear}}, {{consecutive}}, {{env}}, {{rule}}, {{for}}, {{keep_firing_for}}, {{labels.<name>}}, {{record.<field>}} (rules over records), formatters | pct [digits] and | fixed <digits>.",
    }),
  labels: LABELS,
  group_by: z
    .array(
      z
        .string({ error: (i) => `expected a label name, found ${found(i.input)}` })
        .regex(LABEL_NAME, {
          error: (i) =>
            `expected a label name (letters, digits and _, not starting with a digit), found ${found(i.input)}`,
        })
        .refine((n) => n !== 'env', { error: 'env is always part of the alert: leave it out of group_by' }),
      { error: (i) => `expected a list of label names, found ${found(i.input)}` },
    )
    .refine((list) => new Set(list).size === list.length, { error: 'a label is listed twice' })
    .meta({
      description:
        "The series' labels that identify the alert (its labels and fingerprint, with rule and env). Default: all of them; on records, the topic's key field (which the list must include).",
      uniqueItems: true,
    }),
} as const;
