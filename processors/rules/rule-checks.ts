/**
 * The rules file's rules beyond each field's schema, checked even when other fields of the rule have
 * problems (so that every problem is listed in one round): the condition's form (op and threshold, or
 * expr), what the rule watches (metric, or record with field), a clear bound on the safe side, CEL
 * expressions that compile, templates whose placeholders exist, and the label fields of a rule over
 * records. What they make of a valid rule (its input, condition and templates) is its compiled form.
 */
import type { z } from 'zod';
import type { Report } from '../../core/config-file/index.ts';
import { ENVIRONMENTS } from '../../schemas/index.ts';
import { closest } from '../../core/problems.ts';
import { compileCondition, METRIC_SCOPE, type Condition, type ExpressionScope } from './expression.ts';
import { clearIsSafe } from './operators.ts';
import { isNumeric, recordShape, recordTopic, type RecordShape, type RecordTopic } from './record-inputs.ts';
import type { RULE_FIELDS } from './rule-fields.ts';
import { compileTemplate } from './template.ts';
import type { CompiledRule, RuleInput, Template } from './types.ts';

type Fields = typeof RULE_FIELDS;
type RuleKey = keyof Fields;

/** A rule as the cross-field rules see it: each field's value where `valid(key)`, what was read elsewhere. */
export type RuleValue = { readonly [K in RuleKey]?: z.output<Fields[K]> };

type Valid = (...path: (string | number)[]) => boolean;
type Given = (key: RuleKey) => boolean;
type Ok = <K extends RuleKey>(key: K) => RuleValue[K];

/** What the checks make of a rule; what is missing had a problem. */
interface RuleParts {
  readonly input: RuleInput | undefined;
  readonly expr: Condition | undefined;
  readonly clearExpr: Condition | undefined;
  readonly summary: Template | undefined;
  readonly description: Template | undefined;
}

const THRESHOLD_KEYS = ['op', 'threshold', 'clear'] as const;

/** The cross-field rules of a rule (for crossCheck); what they make of it. */
export function checkRule(rule: RuleValue, report: Report, valid: Valid): RuleParts {
  const given: Given = (key) => rule[key] !== undefined;
  const ok: Ok = (key) => (valid(key) ? rule[key] : undefined);
  checkCondition(given, report);
  // The rule's kind comes from its `record:` key alone, so that a problem elsewhere in the rule (a
  // mistyped field) does not make its templates and expressions read as a metric rule's.
  const recordName = ok('record');
  const topic = recordName === undefined ? undefined : recordTopic(recordName);
  const shape = topic === undefined ? null : recordShape(topic.type);
  const input = ruleInput(given, ok, topic, shape, report);
  checkClear(ok, report);

  const scope: ExpressionScope = shape === null ? METRIC_SCOPE : { record: shape, value: given('field') };
  const expression = (key: 'expr' | 'clear_expr'): Condition | undefined => {
    const source = ok(key);
    if (source === undefined) return undefined;
    const compiled = compileCondition(source, scope);
    if ('evaluate' in compiled) return compiled;
    report([key], compiled.message, { within: compiled.offset });
    return undefined;
  };
  const expr = expression('expr');
  const clearExpr = expression('clear_expr');

  const templateOptions = { threshold: !given('expr'), value: scope.value, record: shape };
  const template = (key: 'summary' | 'description'): Template | undefined => {
    const source = ok(key);
    if (source === undefined) return undefined;
    const result = compileTemplate(source, templateOptions);
    if ('template' in result) return result.template;
    for (const p of result.problems) report([key], p);
    return undefined;
  };
  const summary = template('summary');
  const description = template('description');

  if (topic !== undefined && shape !== null && !given('metric')) {
    checkRecordLabels(rule, topic, shape, given, ok, report);
  }
  return { input, expr, clearExpr, summary, description };
}

/** A valid rule, compiled (its parts made again: every check passed). */
export function compileRule(rule: RuleValue): CompiledRule {
  const parts = checkRule(
    rule,
    (path, message) => {
      throw new Error(`a rule that passed its checks has a problem at ${path.join('.')}: ${message}`);
    },
    () => true,
  );
  const { input, summary } = parts;
  if (
    input === undefined ||
    summary === undefined ||
    rule.name === undefined ||
    rule.severity === undefined
  ) {
    throw new Error(`rule ${String(rule.name)} passed its checks without an input or a summary`);
  }
  const base = {
    name: rule.name,
    input,
    match: Object.freeze((rule.match ?? []).flatMap((m) => (m.matcher === undefined ? [] : [m.matcher]))),
    environments: Object.freeze(rule.environments ?? [...ENVIRONMENTS]),
    severity: rule.severity,
    summary,
    description: parts.description ?? null,
    unit: rule.unit ?? null,
    labels: Object.freeze(rule.labels ?? {}),
    groupBy:
      rule.group_by !== undefined
        ? Object.freeze([...rule.group_by])
        : input.kind === 'record'
          ? Object.freeze([input.topic.keyField])
          : null,
    consecutive: rule.consecutive ?? 1,
    forMs: rule.for ?? 0,
    keepFiringForMs: rule.keep_firing_for ?? 0,
  };
  if (parts.expr !== undefined) {
    return Object.freeze({
      ...base,
      kind: 'expr' as const,
      expr: parts.expr,
      clearExpr: parts.clearExpr ?? null,
    });
  }
  const { op, threshold } = rule;
  if (op === undefined || threshold === undefined) throw new Error(`rule ${rule.name} has no condition`);
  return Object.freeze({
    ...base,
    kind: 'threshold' as const,
    op,
    threshold,
    clear: rule.clear ?? threshold,
  });
}

/** A rule has either `expr` (and `clear_expr`) or `op` and `threshold` (and `clear`). */
function checkCondition(given: Given, report: Report): void {
  if (given('expr')) {
    for (const key of THRESHOLD_KEYS) {
      if (given(key)) {
        report(
          [key],
          `"${key}" does not go with "expr": a rule's condition is either expr (with clear_expr) or op and threshold (with clear)`,
          { onKey: true },
        );
      }
    }
    return;
  }
  if (given('clear_expr')) {
    report(
      ['clear_expr'],
      '"clear_expr" goes with "expr"; a rule with op and threshold resolves through clear',
      {
        onKey: true,
      },
    );
  }
  if (!given('op') && !given('threshold')) {
    report(
      [],
      "the condition is missing: op and threshold (e.g. op: '>' and threshold: 0.05) or expr (e.g. expr: 'value > 0.05')",
    );
    return;
  }
  if (!given('op')) report([], `"op" is missing (e.g. op: '>')`);
  if (!given('threshold')) report([], '"threshold" is missing (e.g. threshold: 0.05)');
}

/** A clear bound on the safe side of the threshold, so that an alert resolves only once back there. */
function checkClear(ok: Ok, report: Report): void {
  const op = ok('op');
  const threshold = ok('threshold');
  const clear = ok('clear') ?? threshold;
  if (
    op === undefined ||
    threshold === undefined ||
    clear === undefined ||
    clearIsSafe(op, threshold, clear)
  ) {
    return;
  }
  const side = op === '>' || op === '>=' ? 'at or below' : 'at or above';
  report(
    ['clear'],
    `clear ${clear} is on the wrong side of threshold ${threshold}: with op '${op}' it must be ${side} the threshold, so that the alert resolves only once the value is back on the safe side`,
  );
}

/**
 * What the rule watches: `metric` or `record` (exactly one), with `field` only on records (required by
 * the threshold form there, and numeric). Undefined with its problems otherwise.
 */
function ruleInput(
  given: Given,
  ok: Ok,
  topic: RecordTopic | undefined,
  shape: RecordShape | null,
  report: Report,
): RuleInput | undefined {
  if (given('metric') && given('record')) {
    report(
      ['record'],
      '"record" does not go with "metric": a rule watches the points of one metric or the records of one topic',
      { onKey: true },
    );
    return undefined;
  }
  if (!given('record')) {
    if (given('field')) {
      report(
        ['field'],
        '"field" goes with "record": the value of a rule over metric points is the point\'s value',
        {
          onKey: true,
        },
      );
    }
    if (!given('metric')) {
      report(
        [],
        '"metric" is missing (e.g. metric: drawdown_1h), or "record" for a rule over the records of a topic (e.g. record: ingest.runs)',
      );
    }
    const metric = ok('metric');
    return metric === undefined ? undefined : { kind: 'metric', metric };
  }
  if (topic === undefined || shape === null) return undefined;
  const fieldName = ok('field');
  if (!given('field') && !given('expr')) {
    report(
      [],
      `"field" is missing: a threshold rule over records compares one numeric field of the record (e.g. field: ${shape.numberFields[0] ?? '<name>'}); numeric fields of ${shape.type}: ${shape.numberFields.join(', ')}`,
    );
  }
  if (fieldName !== undefined) {
    const field = shape.byName.get(fieldName);
    if (field === undefined || !isNumeric(field)) {
      const guess = closest(fieldName, shape.numberFields);
      report(
        ['field'],
        (field === undefined
          ? `${shape.type} records (topic ${topic.topic}) have no field "${fieldName}"`
          : `"${fieldName}" is not a number`) +
          (guess === undefined || field !== undefined ? '' : ` (did you mean "${guess}"?)`) +
          `; numeric fields of ${shape.type}: ${shape.numberFields.join(', ')}`,
      );
      return undefined;
    }
  }
  return { kind: 'record', topic, shape, field: fieldName ?? null };
}

/**
 * A rule over records: its matchers and group_by name label fields of the record; group_by includes
 * the topic's key field (so one alert's state lives in one partition); a record type without env takes
 * the rule's one environment.
 */
function checkRecordLabels(
  rule: RuleValue,
  topic: RecordTopic,
  shape: RecordShape,
  given: Given,
  ok: Ok,
  report: Report,
): void {
  const known = (name: string, path: (string | number)[], onKey: boolean): void => {
    if (shape.labelFields.includes(name)) return;
    const field = shape.byName.get(name);
    const guess = field === undefined ? closest(name, shape.labelFields) : undefined;
    report(
      path,
      (field === undefined
        ? `${shape.type} records (topic ${topic.topic}) have no field "${name}"`
        : `"${name}" is not a label field (a text, enum, integer or boolean)`) +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; label fields of ${shape.type}: ${shape.labelFields.join(', ')}`,
      { onKey },
    );
  };
  // match words its own problems and always gives its labels.
  if (Array.isArray(rule.match)) for (const { label } of rule.match) known(label, ['match', label], true);
  const groupBy = ok('group_by');
  if (groupBy !== undefined) {
    groupBy.forEach((name, i) => known(name, ['group_by', i], false));
    if (!groupBy.includes(topic.keyField)) {
      report(
        ['group_by'],
        `must include "${topic.keyField}", the key of topic ${topic.topic}: the records of one alert must share a partition, where its state lives (e.g. group_by: [${[topic.keyField, ...groupBy].join(', ')}])`,
      );
    }
  }
  if (!topic.hasEnv) {
    const environments = ok('environments');
    if (!given('environments')) {
      report(
        [],
        `"environments" is missing: ${shape.type} records (topic ${topic.topic}) have no env, so the rule names the one its alerts belong to (e.g. environments: [prod])`,
      );
    } else if (environments !== undefined && environments.length !== 1) {
      report(
        ['environments'],
        `${shape.type} records have no env: list exactly one environment, the one its alerts belong to (e.g. environments: [prod])`,
      );
    }
  }
}
