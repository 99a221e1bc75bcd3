/**
 * The rules file's schema, in zod: the field schemas the loader (rule-file.ts) checks every field with,
 * and the whole file made of them, from which the published JSON Schema (rules.schema.json, draft
 * 2020-12, for editors and other tools) is generated. One source, so the two cannot disagree; a test
 * fails when the committed file is stale (regenerate it with
 * `npm run tradewatch -- rules schema > processors/rules/rules.schema.json`, then prettier).
 *
 * The loader adds what a JSON Schema cannot say well: a clear bound on the safe side of its threshold,
 * expressions that compile, templates whose placeholders exist, unique rule names.
 */
import { z } from 'zod';
import { ENVIRONMENTS, SEVERITIES } from '../../schemas/index.ts';
import { DURATION_FORMS, durationPattern } from '../../core/durations.ts';
import { OPERATORS } from './operators.ts';
import { RECORD_TOPIC_NAMES } from './record-inputs.ts';
import { found } from './yaml-file.ts';

export const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
export const METRIC_NAME = /^[a-z][a-z0-9_]*$/;
export const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const numberSchema = z.number({
  error: (issue) =>
    typeof issue.input === 'string' && /%\s*$/.test(issue.input)
      ? `expected a number, found ${found(issue.input)}: write ratios as fractions (0.05 for 5%)`
      : `expected a number, found ${found(issue.input)}`,
});

const durationProblem = (i: { input: unknown }) => `expected ${DURATION_FORMS}, found ${found(i.input)}`;
const durationSchema = (what: string) =>
  z
    .union([z.literal(0), z.string().regex(durationPattern(), { error: durationProblem })], {
      error: durationProblem,
    })
    .meta({ description: `${what}; ${DURATION_FORMS}.` });

const conditionSchema = (description: string) =>
  z
    .string({ error: (i) => `expected a CEL expression (text), found ${found(i.input)}` })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .meta({ description });

function consecutiveProblem(input: unknown): string {
  return `expected a whole number ≥ 1 (how many points in a row must meet the threshold), found ${found(input)}`;
}

const labelValue = z.string({ error: (i) => `expected a label value (text), found ${found(i.input)}` });

/** Every key of a rule, with its schema (the loader checks the keys present one by one). */
export const RULE_FIELDS = {
  name: z
    .string({ error: (i) => `expected a snake_case name, found ${found(i.input)}` })
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
  match: z
    .record(
      z.string().regex(LABEL_NAME),
      z.union([
        labelValue,
        z.strictObject({ regex: z.string() }),
        z.strictObject({ in: z.array(z.string()).min(1) }),
      ]),
    )
    .meta({
      description:
        "Label matchers, all of which must hold (the label must be present): a value, { regex } (anchored) or { in: [...] }. On records: the record's label fields.",
    }),
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
    .int({ error: (i) => consecutiveProblem(i.input) })
    .min(1, { error: (i) => consecutiveProblem(i.input) })
    .meta({
      description: 'How many points in a row must meet the condition before the alert fires. Default 1.',
    }),
  severity: z
    .enum(SEVERITIES, {
      error: (i) => `expected one of ${SEVERITIES.join(', ')}, found ${found(i.input)}`,
    })
    .meta({ description: 'critical pages (prod), error and warning go to chat, info to a digest.' }),
  summary: z
    .string({ error: (i) => `expected a text (a template), found ${found(i.input)}` })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .meta({
      description:
        "The alert's one line: a template with {{value}}, {{threshold}}, {{clear}}, {{consecutive}}, {{env}}, {{rule}}, {{for}}, {{keep_firing_for}}, {{labels.<name>}}, {{record.<field>}} (rules over records), formatters | pct [digits] and | fixed <digits>.",
    }),
  labels: z
    .record(
      z
        .string()
        .regex(LABEL_NAME)
        .refine((n) => n !== 'env'),
      labelValue,
    )
    .meta({ description: "Static labels added to the alert's labels (not env)." }),
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

export type RuleKey = keyof typeof RULE_FIELDS;
export const RULE_KEYS = Object.keys(RULE_FIELDS) as RuleKey[];

const common = {
  name: RULE_FIELDS.name,
  description: RULE_FIELDS.description.optional(),
  match: RULE_FIELDS.match.optional(),
  environments: RULE_FIELDS.environments.optional(),
  for: RULE_FIELDS.for.optional(),
  keep_firing_for: RULE_FIELDS.keep_firing_for.optional(),
  consecutive: RULE_FIELDS.consecutive.optional(),
  severity: RULE_FIELDS.severity,
  summary: RULE_FIELDS.summary,
  labels: RULE_FIELDS.labels.optional(),
  group_by: RULE_FIELDS.group_by.optional(),
};

/** The whole rules file (the source of the JSON Schema). */
export const RULES_FILE_SCHEMA = z
  .strictObject({
    version: z.literal(1).optional().meta({ description: 'The format version: 1, the only one.' }),
    rules: z.array(
      z.union([
        z
          .strictObject({
            ...common,
            metric: RULE_FIELDS.metric,
            op: RULE_FIELDS.op,
            threshold: RULE_FIELDS.threshold,
            clear: RULE_FIELDS.clear.optional(),
          })
          .meta({
            title: 'threshold rule',
            description: 'A rule on the points of a metric whose condition is `value op threshold`.',
          }),
        z
          .strictObject({
            ...common,
            metric: RULE_FIELDS.metric,
            expr: RULE_FIELDS.expr,
            clear_expr: RULE_FIELDS.clear_expr.optional(),
          })
          .meta({
            title: 'expression rule',
            description: 'A rule on the points of a metric whose condition is a CEL expression.',
          }),
        z
          .strictObject({
            ...common,
            record: RULE_FIELDS.record,
            field: RULE_FIELDS.field,
            op: RULE_FIELDS.op,
            threshold: RULE_FIELDS.threshold,
            clear: RULE_FIELDS.clear.optional(),
          })
          .meta({
            title: 'threshold rule over records',
            description: 'A rule on the records of a topic whose condition is `record.<field> op threshold`.',
          }),
        z
          .strictObject({
            ...common,
            record: RULE_FIELDS.record,
            field: RULE_FIELDS.field.optional(),
            expr: RULE_FIELDS.expr,
            clear_expr: RULE_FIELDS.clear_expr.optional(),
          })
          .meta({
            title: 'expression rule over records',
            description: 'A rule on the records of a topic whose condition is a CEL expression over record.',
          }),
      ]),
    ),
  })
  .meta({
    title: 'tradewatch alert rules',
    description:
      'Alert rules evaluated on the points of the metrics topic and on the records of other topics. Format and semantics: processors/rules/README.md.',
  });

/** The published JSON Schema (draft 2020-12) of rules files, as committed in rules.schema.json. */
export function rulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RULES_FILE_SCHEMA, { target: 'draft-2020-12', io: 'input' });
}
