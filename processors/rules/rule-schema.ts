/**
 * The rules file's schema, in zod: a strict mapping of `version` and `rules`, each rule a strict mapping
 * of the fields of rule-fields.ts with the cross-field rules of rule-checks.ts; core's loader
 * (rule-file.ts) derives every located problem from it, and the published JSON Schema (rules.schema.json,
 * draft 2020-12, for editors and other tools) is generated from it. One source, so the two cannot
 * disagree; a test fails when the committed file is stale (regenerate it with
 * `npm run tradewatch -- rules schema > processors/rules/rules.schema.json`, then prettier).
 *
 * Editors see a rule as one of its four forms (threshold or expression, over metric points or over
 * records); the loader reads it as one mapping, so that a problem names the key it is about.
 */
import { z } from 'zod';
import { crossCheck, found, isRecord, shownAs, type Report } from '../../core/config-file/index.ts';
import { checkRule, compileRule } from './rule-checks.ts';
import { RULE_FIELDS } from './rule-fields.ts';

type Fields = typeof RULE_FIELDS;

/** Every key of a rule optional but the three every form has (in the format's order). */
const KEYS = {
  ...(Object.fromEntries(Object.entries(RULE_FIELDS).map(([key, field]) => [key, field.optional()])) as {
    [K in keyof Fields]: z.ZodOptional<Fields[K]>;
  }),
  name: RULE_FIELDS.name,
  severity: RULE_FIELDS.severity,
  summary: RULE_FIELDS.summary,
};

const { metric, record, field, op, threshold, clear, expr, clear_expr, ...common } = KEYS;

/** One form of a rule, as editors see it. */
const form = (title: string, description: string, shape: z.ZodRawShape) =>
  z.strictObject({ ...common, ...shape }).meta({ title, description });

/** What editors see of a rule: one of its four forms. */
const RULE_FORMS = z.union([
  form('threshold rule', 'A rule on the points of a metric whose condition is `value op threshold`.', {
    metric: metric.unwrap(),
    op: op.unwrap(),
    threshold: threshold.unwrap(),
    clear,
  }),
  form('expression rule', 'A rule on the points of a metric whose condition is a CEL expression.', {
    metric: metric.unwrap(),
    expr: expr.unwrap(),
    clear_expr,
  }),
  form(
    'threshold rule over records',
    'A rule on the records of a topic whose condition is `record.<field> op threshold`.',
    { record: record.unwrap(), field: field.unwrap(), op: op.unwrap(), threshold: threshold.unwrap(), clear },
  ),
  form(
    'expression rule over records',
    'A rule on the records of a topic whose condition is a CEL expression over record.',
    { record: record.unwrap(), field, expr: expr.unwrap(), clear_expr },
  ),
]);

/** A rule as the loader reads it: one mapping of every key, the forms' rules checked together. */
const RULE = shownAs(
  crossCheck(
    z.strictObject(KEYS, {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping (name, metric or record, op, threshold or expr, severity, summary, ...), found ${found(i.input)}`
          : undefined,
    }),
    checkRule,
  ),
  RULE_FORMS,
).transform(compileRule);

/** Rule names are unique in a file (the first is named); a rule with problems is still counted. */
function uniqueNames(rules: unknown, report: Report): void {
  // Not even a list: nothing to compare.
  if (!Array.isArray(rules)) return;
  const firstIndexOf = new Map<string, number>();
  rules.forEach((rule, index) => {
    const name = isRecord(rule) ? rule['name'] : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndexOf.get(name);
    if (first === undefined) firstIndexOf.set(name, index);
    else {
      report(
        [index, 'name'],
        `duplicate name: rules[${first}] is also named "${name}"; rule names must be unique`,
      );
    }
  });
}

/** The whole rules file. */
export const RULES_FILE_SCHEMA = z
  .strictObject(
    {
      version: z
        .literal(1, { error: (i) => `expected 1, found ${found(i.input)}` })
        .optional()
        .meta({ description: 'The format version: 1, the only one.' }),
      rules: crossCheck(
        z.array(RULE, {
          error: (i) =>
            i.input === undefined
              ? '"rules:" is missing: expected a list of rules'
              : `expected a list of rules, found ${found(i.input)}`,
        }),
        uniqueNames,
      ),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping with a "rules:" list, found ${i.input === null ? 'an empty file' : found(i.input)}`
          : undefined,
    },
  )
  .meta({
    title: 'tradewatch alert rules',
    description:
      'Alert rules evaluated on the points of the metrics topic and on the records of other topics. Format and semantics: processors/rules/README.md.',
  });
