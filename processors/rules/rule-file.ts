/**
 * The rules file: YAML, read once at start-up and validated in full against its schema (rule-schema.ts,
 * published as rules.schema.json) and beyond it. Every problem (YAML syntax, unknown keys, wrong types,
 * a clear bound on the wrong side, an expression that does not compile, unknown template placeholders,
 * duplicate names) is listed in ONE TW_RULES_INVALID error, each with its file, line and column, the rule
 * it is in and how to fix it. See README.md in this folder for the format.
 */
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { TradewatchError } from '../../runtime/errors.ts';
import { ENVIRONMENTS, type Environment, type Severity } from '../../schemas/index.ts';
import { displayPath } from '../../schemas/display-path.ts';
import { closest } from '../../schemas/problems.ts';
import { parseDuration } from '../../core/durations.ts';
import { compileCondition, METRIC_SCOPE, type Condition, type ExpressionScope } from './expression.ts';
import { compileRegex } from './matchers.ts';
import { clearIsSafe, type Operator } from './operators.ts';
import { isNumeric, recordShape, recordTopic, type RecordShape, type RecordTopic } from './record-inputs.ts';
import { LABEL_NAME, RULE_FIELDS, RULE_KEYS, type RuleKey } from './rule-schema.ts';
import { compileTemplate } from './template.ts';
import type { CompiledRule, CompiledRules, LabelMatcher, RuleInput, Template } from './types.ts';
import {
  found,
  isRecord,
  invalidFileError,
  parseYamlConfig,
  loadYamlFile,
  unreadableFileError,
  unknownKey,
  type YamlPath as Path,
  type YamlProblem as Problem,
} from '../../runtime/yaml-file.ts';

/** The rules shipped with tradewatch (see the file's header for what they cover). */
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('./default-rules.yaml', import.meta.url));

/** The file format versions this code reads. */
const VERSIONS = [1] as const;
const TOP_KEYS = ['version', 'rules'] as const;
/** Required keys with an example, for "missing" messages (the condition's keys are checked apart). */
const REQUIRED: Partial<Record<RuleKey, string>> = {
  name: 'name: portfolio_drawdown_1h',
  severity: 'severity: critical',
  summary: "summary: '{{labels.portfolio}} is down {{value | pct}}'",
};
const THRESHOLD_KEYS = ['op', 'threshold', 'clear'] as const;
const MATCHER_KEYS = ['regex', 'in'] as const;

/**
 * Parses and validates a rules file's text. Pure: `file` only names the file in messages.
 * @throws TradewatchError TW_RULES_INVALID listing every problem.
 */
export function parseRules(text: string, file: string): CompiledRules {
  const rules = parseYamlConfig(text, file, {
    validate,
    where: (path, root) => where(root, path),
    error: (problems) => rulesError(file, problems),
    hint: (source) => (/(^|\s)op:\s*[<>]/.test(source) ? ": quote the operator (op: '>=')" : ''),
  });
  return compiledRules(file, rules);
}

function compiledRules(file: string, rules: CompiledRule[]): CompiledRules {
  const byMetric = new Map<string, CompiledRule[]>();
  const byTopic = new Map<string, CompiledRule[]>();
  for (const rule of rules) {
    const [map, id] =
      rule.input.kind === 'metric' ? [byMetric, rule.input.metric] : [byTopic, rule.input.topic.topic];
    map.set(id, [...(map.get(id) ?? []), rule]);
  }
  return Object.freeze({ file, rules: Object.freeze(rules), byMetric, byTopic });
}

/**
 * The rules of several files as one set (file order, then rule order).
 * @throws TradewatchError TW_RULES_INVALID when two files have a rule of the same name.
 */
export function mergeRules(sets: readonly CompiledRules[]): CompiledRules {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const set of sets) {
    for (const rule of set.rules) {
      const first = seen.get(rule.name);
      if (first === undefined) seen.set(rule.name, set.file);
      else
        problems.push(
          `${set.file}: rule "${rule.name}": duplicate name: ${first} has a rule of that name; rule names must be unique across the files`,
        );
    }
  }
  const files = sets.map((s) => s.file).join(', ');
  if (problems.length > 0) throw rulesError(files, problems);
  return compiledRules(
    files,
    sets.flatMap((s) => s.rules),
  );
}

/**
 * Reads, validates and merges rules files (see {@link mergeRules}).
 * @throws TradewatchError TW_RULES_INVALID listing every problem of the first invalid file.
 */
export async function loadRuleFiles(files: readonly string[]): Promise<CompiledRules> {
  const sets: CompiledRules[] = [];
  for (const file of files) sets.push(await loadRules(file));
  return mergeRules(sets);
}

/**
 * Reads and validates a rules file.
 * @throws TradewatchError TW_RULES_INVALID when it cannot be read or is invalid (every problem listed).
 */
export async function loadRules(file: string): Promise<CompiledRules> {
  return loadYamlFile(
    file,
    parseRules,
    unreadableFileError(
      'TW_RULES_INVALID',
      'the alert rules file',
      `. Check the path (the default rules are in ${displayPath(DEFAULT_RULES_FILE)}).`,
    ),
  );
}

function rulesError(file: string, problems: readonly string[]): TradewatchError {
  return invalidFileError(
    'TW_RULES_INVALID',
    'the alert rules file',
    file,
    problems,
    'Fix the rules above (see processors/rules/README.md for the format) and start again.',
  );
}

function validate(root: unknown, problems: Problem[]): CompiledRule[] {
  if (!isRecord(root)) {
    problems.push({
      path: [],
      message: `expected a mapping with a "rules:" list, found ${root === null ? 'an empty file' : found(root)}`,
    });
    return [];
  }
  for (const key of Object.keys(root)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      problems.push({ path: [key], onKey: true, message: unknownKey(key, TOP_KEYS) });
    }
  }
  if (root['version'] !== undefined && !(VERSIONS as readonly unknown[]).includes(root['version'])) {
    problems.push({
      path: ['version'],
      message: `expected ${VERSIONS.join(' or ')}, found ${found(root['version'])}`,
    });
  }
  const list = root['rules'];
  if (!Array.isArray(list)) {
    problems.push({
      path: list === undefined ? [] : ['rules'],
      message:
        list === undefined
          ? '"rules:" is missing: expected a list of rules'
          : `expected a list of rules, found ${found(list)}`,
    });
    return [];
  }

  const compiled: CompiledRule[] = [];
  const firstIndexOf = new Map<string, number>();
  list.forEach((raw: unknown, index) => {
    const before = problems.length;
    const rule = validateRule(raw, index, problems);
    const name = isRecord(raw) ? raw['name'] : undefined;
    if (typeof name === 'string') {
      const first = firstIndexOf.get(name);
      if (first === undefined) firstIndexOf.set(name, index);
      else {
        problems.push({
          path: ['rules', index, 'name'],
          message: `duplicate name: rules[${first}] is also named "${name}"; rule names must be unique`,
        });
      }
    }
    if (rule !== undefined && problems.length === before) compiled.push(rule);
  });
  return compiled;
}

function validateRule(raw: unknown, index: number, problems: Problem[]): CompiledRule | undefined {
  const at = (...rest: (string | number)[]): Path => ['rules', index, ...rest];
  if (!isRecord(raw)) {
    problems.push({
      path: at(),
      message: `expected a mapping (name, metric or record, op, threshold or expr, severity, summary, ...), found ${found(raw)}`,
    });
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      problems.push({ path: at(key), onKey: true, message: unknownKey(key, RULE_KEYS) });
    }
  }
  for (const [key, example] of Object.entries(REQUIRED)) {
    if (raw[key] === undefined)
      problems.push({ path: at(), message: `"${key}" is missing (e.g. ${example})` });
  }

  // Every field present is checked against its schema (match and labels below, by hand, for messages
  // that name the label).
  const valid: Partial<Record<RuleKey, unknown>> = {};
  for (const key of RULE_KEYS) {
    if (raw[key] === undefined || key === 'match' || key === 'labels') continue;
    const result = (RULE_FIELDS[key] as z.ZodType).safeParse(raw[key]);
    if (result.success) valid[key] = result.data;
    else {
      for (const issue of result.error.issues) {
        problems.push({ path: [...at(key), ...issue.path.map(pathSegment)], message: issue.message });
      }
    }
  }

  const isExpression = raw['expr'] !== undefined;
  checkConditionKeys(raw, at, problems);
  const input = ruleInput(raw, valid, at, problems);
  const shape = input?.kind === 'record' ? input.shape : null;

  const op = valid.op as Operator | undefined;
  const threshold = valid.threshold as number | undefined;
  const clear = (valid.clear as number | undefined) ?? threshold;
  if (
    op !== undefined &&
    threshold !== undefined &&
    clear !== undefined &&
    !clearIsSafe(op, threshold, clear)
  ) {
    const side = op === '>' || op === '>=' ? 'at or below' : 'at or above';
    problems.push({
      path: at('clear'),
      message: `clear ${clear} is on the wrong side of threshold ${threshold}: with op '${op}' it must be ${side} the threshold, so that the alert resolves only once the value is back on the safe side`,
    });
  }

  const scope: ExpressionScope =
    shape === null ? METRIC_SCOPE : { record: shape, value: valid.field !== undefined };
  const expr = compileExpression(valid.expr, at('expr'), scope, problems);
  const clearExpr = compileExpression(valid.clear_expr, at('clear_expr'), scope, problems);

  const templateOptions = { threshold: !isExpression, value: scope.value, record: shape };
  const template = (key: 'summary' | 'description'): Template | undefined => {
    if (typeof valid[key] !== 'string') return undefined;
    const result = compileTemplate(valid[key], templateOptions);
    if ('problems' in result) {
      for (const p of result.problems) problems.push({ path: at(key), message: p });
      return undefined;
    }
    return result.template;
  };
  const summary = template('summary');
  const description = template('description') ?? null;

  const match = raw['match'] === undefined ? [] : validateMatch(raw['match'], at('match'), problems);
  const labels = raw['labels'] === undefined ? {} : validateLabels(raw['labels'], at('labels'), problems);
  if (input?.kind === 'record') checkRecordLabels(input.topic, input.shape, raw, valid, at, problems);

  if (problems.length > before || summary === undefined || input === undefined) return undefined;
  const groupBy =
    valid.group_by !== undefined
      ? Object.freeze([...(valid.group_by as string[])])
      : input.kind === 'record'
        ? Object.freeze([input.topic.keyField])
        : null;
  const base = {
    name: valid.name as string,
    input,
    match: Object.freeze(match),
    environments: Object.freeze((valid.environments as Environment[] | undefined) ?? [...ENVIRONMENTS]),
    severity: valid.severity as Severity,
    summary,
    description,
    labels: Object.freeze(labels),
    groupBy,
    consecutive: (valid.consecutive as number | undefined) ?? 1,
    forMs: durationMs(valid.for),
    keepFiringForMs: durationMs(valid.keep_firing_for),
  };
  if (expr !== undefined) {
    return Object.freeze({ ...base, kind: 'expr' as const, expr, clearExpr: clearExpr ?? null });
  }
  if (op === undefined || threshold === undefined || clear === undefined) return undefined;
  return Object.freeze({ ...base, kind: 'threshold' as const, op, threshold, clear });
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}

/** Milliseconds of a duration that passed its schema (`0` or text such as `5m`). */
function durationMs(value: unknown): number {
  return typeof value === 'string' ? (parseDuration(value) ?? 0) : 0;
}

/** A rule has either `expr` (and `clear_expr`) or `op` and `threshold` (and `clear`). */
function checkConditionKeys(
  raw: Record<string, unknown>,
  at: (...rest: (string | number)[]) => Path,
  problems: Problem[],
): void {
  if (raw['expr'] !== undefined) {
    for (const key of THRESHOLD_KEYS) {
      if (raw[key] !== undefined) {
        problems.push({
          path: at(key),
          onKey: true,
          message: `"${key}" does not go with "expr": a rule's condition is either expr (with clear_expr) or op and threshold (with clear)`,
        });
      }
    }
    return;
  }
  if (raw['clear_expr'] !== undefined) {
    problems.push({
      path: at('clear_expr'),
      onKey: true,
      message: '"clear_expr" goes with "expr"; a rule with op and threshold resolves through clear',
    });
  }
  if (raw['op'] === undefined && raw['threshold'] === undefined) {
    problems.push({
      path: at(),
      message:
        "the condition is missing: op and threshold (e.g. op: '>' and threshold: 0.05) or expr (e.g. expr: 'value > 0.05')",
    });
    return;
  }
  if (raw['op'] === undefined) problems.push({ path: at(), message: `"op" is missing (e.g. op: '>')` });
  if (raw['threshold'] === undefined) {
    problems.push({ path: at(), message: '"threshold" is missing (e.g. threshold: 0.05)' });
  }
}

/**
 * What the rule watches: `metric` or `record` (exactly one), with `field` only on records (required by
 * the threshold form there, and numeric). Undefined with its problems otherwise.
 */
function ruleInput(
  raw: Record<string, unknown>,
  valid: Partial<Record<RuleKey, unknown>>,
  at: (...rest: (string | number)[]) => Path,
  problems: Problem[],
): RuleInput | undefined {
  if (raw['metric'] !== undefined && raw['record'] !== undefined) {
    problems.push({
      path: at('record'),
      onKey: true,
      message:
        '"record" does not go with "metric": a rule watches the points of one metric or the records of one topic',
    });
    return undefined;
  }
  if (raw['record'] === undefined) {
    if (raw['field'] !== undefined) {
      problems.push({
        path: at('field'),
        onKey: true,
        message: '"field" goes with "record": the value of a rule over metric points is the point\'s value',
      });
    }
    if (raw['metric'] === undefined) {
      problems.push({
        path: at(),
        message:
          '"metric" is missing (e.g. metric: drawdown_1h), or "record" for a rule over the records of a topic (e.g. record: ingest.runs)',
      });
    }
    return typeof valid.metric === 'string' ? { kind: 'metric', metric: valid.metric } : undefined;
  }
  const topic = typeof valid.record === 'string' ? recordTopic(valid.record) : undefined;
  if (topic === undefined) return undefined;
  const shape = recordShape(topic.type);
  const fieldName = valid.field as string | undefined;
  if (raw['field'] === undefined && raw['expr'] === undefined) {
    problems.push({
      path: at(),
      message: `"field" is missing: a threshold rule over records compares one numeric field of the record (e.g. field: ${shape.numberFields[0] ?? '<name>'}); numeric fields of ${shape.type}: ${shape.numberFields.join(', ')}`,
    });
  }
  if (fieldName !== undefined) {
    const field = shape.byName.get(fieldName);
    if (field === undefined || !isNumeric(field)) {
      const guess = closest(fieldName, shape.numberFields);
      problems.push({
        path: at('field'),
        message:
          (field === undefined
            ? `${shape.type} records (topic ${topic.topic}) have no field "${fieldName}"`
            : `"${fieldName}" is not a number`) +
          (guess === undefined || field !== undefined ? '' : ` (did you mean "${guess}"?)`) +
          `; numeric fields of ${shape.type}: ${shape.numberFields.join(', ')}`,
      });
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
  topic: RecordTopic,
  shape: RecordShape,
  raw: Record<string, unknown>,
  valid: Partial<Record<RuleKey, unknown>>,
  at: (...rest: (string | number)[]) => Path,
  problems: Problem[],
): void {
  const known = (name: string, path: Path, onKey: boolean): void => {
    if (shape.labelFields.includes(name)) return;
    const field = shape.byName.get(name);
    const guess = field === undefined ? closest(name, shape.labelFields) : undefined;
    problems.push({
      path,
      onKey,
      message:
        (field === undefined
          ? `${shape.type} records (topic ${topic.topic}) have no field "${name}"`
          : `"${name}" is not a label field (a text, enum, integer or boolean)`) +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; label fields of ${shape.type}: ${shape.labelFields.join(', ')}`,
    });
  };
  if (isRecord(raw['match']))
    for (const name of Object.keys(raw['match'])) known(name, at('match', name), true);
  const groupBy = valid.group_by as string[] | undefined;
  if (groupBy !== undefined) {
    groupBy.forEach((name, i) => known(name, at('group_by', i), false));
    if (!groupBy.includes(topic.keyField)) {
      problems.push({
        path: at('group_by'),
        message: `must include "${topic.keyField}", the key of topic ${topic.topic}: the records of one alert must share a partition, where its state lives (e.g. group_by: [${[topic.keyField, ...groupBy].join(', ')}])`,
      });
    }
  }
  if (!topic.hasEnv) {
    const environments = valid.environments as Environment[] | undefined;
    if (raw['environments'] === undefined) {
      problems.push({
        path: at(),
        message: `"environments" is missing: ${shape.type} records (topic ${topic.topic}) have no env, so the rule names the one its alerts belong to (e.g. environments: [prod])`,
      });
    } else if (environments !== undefined && environments.length !== 1) {
      problems.push({
        path: at('environments'),
        message: `${shape.type} records have no env: list exactly one environment, the one its alerts belong to (e.g. environments: [prod])`,
      });
    }
  }
}

/** The compiled condition, or undefined (with its problem, pointing into the expression). */
function compileExpression(
  source: unknown,
  path: Path,
  scope: ExpressionScope,
  problems: Problem[],
): Condition | undefined {
  if (typeof source !== 'string') return undefined;
  const compiled = compileCondition(source, scope);
  if ('evaluate' in compiled) return compiled;
  problems.push({ path, within: compiled.offset, message: compiled.message });
  return undefined;
}

function labelNameProblem(name: string): string | undefined {
  return LABEL_NAME.test(name)
    ? undefined
    : `"${name}" is not a label name (letters, digits and _, not starting with a digit)`;
}

function stringValueProblem(value: unknown): string | undefined {
  if (typeof value === 'string') return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `label values are text: quote it ('${String(value)}')`;
  }
  return undefined;
}

function validateMatch(raw: unknown, path: Path, problems: Problem[]): LabelMatcher[] {
  if (!isRecord(raw)) {
    problems.push({
      path,
      message: `expected a mapping of label matchers (e.g. match: { portfolio: alpha }), found ${found(raw)}`,
    });
    return [];
  }
  const matchers: LabelMatcher[] = [];
  for (const [label, spec] of Object.entries(raw)) {
    const here = [...path, label];
    const nameProblem = labelNameProblem(label);
    if (nameProblem !== undefined) problems.push({ path: here, onKey: true, message: nameProblem });
    if (typeof spec === 'string') {
      matchers.push({ label, kind: 'equals', value: spec });
      continue;
    }
    const valueProblem = stringValueProblem(spec);
    if (valueProblem !== undefined) {
      problems.push({ path: here, message: valueProblem });
      continue;
    }
    const keys = isRecord(spec) ? Object.keys(spec) : [];
    if (!isRecord(spec) || keys.length !== 1) {
      const unknown = keys.filter((k) => !(MATCHER_KEYS as readonly string[]).includes(k));
      if (isRecord(spec) && unknown.length > 0) {
        for (const k of unknown) {
          problems.push({ path: [...here, k], onKey: true, message: unknownKey(k, MATCHER_KEYS) });
        }
      } else {
        problems.push({
          path: here,
          message: `expected a label value, { regex: '...' } or { in: [...] }, found ${found(spec)}`,
        });
      }
      continue;
    }
    if (typeof spec['regex'] === 'string') {
      const regex = compileRegex(spec['regex']);
      if (regex instanceof RegExp) matchers.push({ label, kind: 'regex', source: spec['regex'], regex });
      else problems.push({ path: [...here, 'regex'], message: `${found(spec['regex'])} ${regex.problem}` });
    } else if ('regex' in spec) {
      problems.push({
        path: [...here, 'regex'],
        message: `expected a regular expression (text), found ${found(spec['regex'])}`,
      });
    } else if (Array.isArray(spec['in'])) {
      const values: unknown[] = spec['in'];
      const bad = values.findIndex((v) => typeof v !== 'string');
      if (values.length === 0)
        problems.push({ path: [...here, 'in'], message: 'expected at least one value' });
      else if (bad !== -1) {
        problems.push({
          path: [...here, 'in', bad],
          message:
            stringValueProblem(values[bad]) ?? `expected a label value (text), found ${found(values[bad])}`,
        });
      } else matchers.push({ label, kind: 'in', values: Object.freeze(values as string[]) });
    } else if ('in' in spec) {
      problems.push({
        path: [...here, 'in'],
        message: `expected a list of label values, found ${found(spec['in'])}`,
      });
    } else {
      problems.push({
        path: [...here, keys[0] ?? ''],
        onKey: true,
        message: unknownKey(keys[0] ?? '', MATCHER_KEYS),
      });
    }
  }
  return matchers;
}

function validateLabels(raw: unknown, path: Path, problems: Problem[]): Record<string, string> {
  if (!isRecord(raw)) {
    problems.push({
      path,
      message: `expected a mapping of static labels (e.g. labels: { team: risk }), found ${found(raw)}`,
    });
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const here = [...path, name];
    const nameProblem =
      name === 'env'
        ? "\"env\" cannot be set here: the alert's env is the metric's env label (the record's env field)"
        : labelNameProblem(name);
    if (nameProblem !== undefined) problems.push({ path: here, onKey: true, message: nameProblem });
    if (typeof value === 'string') labels[name] = value;
    else {
      problems.push({
        path: here,
        message: stringValueProblem(value) ?? `expected a label value (text), found ${found(value)}`,
      });
    }
  }
  return labels;
}

/** `rule "name": threshold: ` or `rules[2]: ` (no valid name) or `version: ` for a problem at `path`. */
function where(root: unknown, path: Path): string {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return path.length > 0 ? `${path.join('.')}: ` : '';
  const list = isRecord(root) ? root['rules'] : undefined;
  const raw: unknown = Array.isArray(list) ? list[path[1]] : undefined;
  const name = isRecord(raw) ? raw['name'] : undefined;
  const rule =
    typeof name === 'string' && name !== '' ? `rule "${name}" (rules[${path[1]}])` : `rules[${path[1]}]`;
  const field = path.slice(2).join('.');
  return field === '' ? `${rule}: ` : `${rule}: ${field}: `;
}
