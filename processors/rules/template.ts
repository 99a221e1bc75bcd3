/**
 * Summary templates: text with `{{placeholder}}` or `{{placeholder | formatter args}}`, compiled and
 * checked at start-up so that rendering never fails.
 *
 * Placeholders: `value`, `threshold`, `clear`, `consecutive` (numbers), `env`, `rule`, `for`,
 * `keep_firing_for` (text), `labels.<name>` (a label of the metric or of the rule; empty when the metric
 * has no such label), and for rules over records `record.<field>` (a scalar field of the record; empty
 * when null; timestamps as ISO 8601). Formatters (numbers only): `pct [digits]` (0.062 → `6.20%`,
 * default 2 digits), `fixed <digits>` (0.0625 → `0.06` with 2). Summaries and descriptions use the same
 * templates.
 */
import { closest } from '../../core/problems.ts';
import { isNumeric, type RecordShape } from './record-inputs.ts';
import type { NumberFormat, Template, TemplatePart } from './types.ts';

const NUMBER_FIELDS = ['value', 'threshold', 'clear', 'consecutive'] as const;
const STRING_FIELDS = ['env', 'rule', 'for', 'keep_firing_for'] as const;
/** The number placeholders only rules with `op` and `threshold` have. */
const THRESHOLD_FIELDS: readonly string[] = ['threshold', 'clear'];
const FORMATTERS = ['pct', 'fixed'] as const;
const PLACEHOLDERS = [...NUMBER_FIELDS, ...STRING_FIELDS, 'labels.<name>', 'record.<field>'];
const LABEL_PLACEHOLDER = /^labels\.([A-Za-z_][A-Za-z0-9_]*)$/;
const RECORD_PLACEHOLDER = /^record\.([A-Za-z_][A-Za-z0-9_]*)$/;
const MAX_DIGITS = 20;

/** What a template may refer to. */
export interface TemplateOptions {
  /** Whether `{{threshold}}` and `{{clear}}` exist (rules with `op` and `threshold`). Default true. */
  readonly threshold?: boolean;
  /** Whether `{{value}}` exists (not for a rule over records that names no `field`). Default true. */
  readonly value?: boolean;
  /** The record type of a rule over records, whose fields `{{record.<name>}}` shows. Default none. */
  readonly record?: RecordShape | null;
}

/** The template, or the problems found in it (each a sentence naming the placeholder). */
export function compileTemplate(
  source: string,
  options: TemplateOptions = {},
): { template: Template } | { problems: string[] } {
  const parts: TemplatePart[] = [];
  const problems: string[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open === -1) {
      parts.push({ kind: 'text', text: source.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: 'text', text: source.slice(at, open) });
    const close = source.indexOf('}}', open + 2);
    if (close === -1) {
      problems.push(`"{{" at character ${open + 1} is never closed with "}}"`);
      break;
    }
    const inside = source.slice(open + 2, close);
    const part = compilePlaceholder(inside, problems, options);
    if (part !== undefined) parts.push(part);
    at = close + 2;
  }
  return problems.length > 0
    ? { problems }
    : { template: Object.freeze({ source, parts: Object.freeze(parts) }) };
}

function compilePlaceholder(
  inside: string,
  problems: string[],
  options: TemplateOptions,
): TemplatePart | undefined {
  const threshold = options.threshold ?? true;
  const record = options.record ?? null;
  const [rawExpression = '', ...pipes] = inside.split('|');
  const expression = rawExpression.trim();
  const shown = `{{${inside}}}`;
  if (pipes.length > 1) {
    problems.push(`${shown}: one formatter at most (found ${pipes.length})`);
    return undefined;
  }
  const formatter = pipes[0]?.trim();

  if (!threshold && THRESHOLD_FIELDS.includes(expression)) {
    problems.push(
      `${shown}: a rule with expr has no ${expression}; write the bound in the text and use {{value}}`,
    );
    return undefined;
  }
  if (expression === 'value' && options.value === false) {
    problems.push(
      `${shown}: this rule over records has no value: name the numeric field that is its value (field: <name>), or show a field with {{record.<name>}}`,
    );
    return undefined;
  }
  const recordField = RECORD_PLACEHOLDER.exec(expression)?.[1];
  if (recordField !== undefined || expression === 'record') {
    if (record === null) {
      problems.push(`${shown}: {{record.<field>}} exists in rules over records (record: <topic>) only`);
      return undefined;
    }
    if (recordField === undefined) {
      problems.push(
        `${shown}: name the field: {{record.<field>}}, one of ${record.templateFields.join(', ')}`,
      );
      return undefined;
    }
    const field = record.byName.get(recordField);
    if (field === undefined || !record.templateFields.includes(field.name)) {
      const guess = closest(recordField, record.templateFields);
      problems.push(
        `${shown}: ` +
          (field === undefined
            ? `${record.type} records have no field "${recordField}"`
            : `"${field.name}" is not a single value (a list or map): use it in expr through record.${field.name}`) +
          (guess === undefined || field !== undefined ? '' : ` (did you mean "record.${guess}"?)`) +
          `; fields a template can show: ${record.templateFields.join(', ')}`,
      );
      return undefined;
    }
    if (formatter !== undefined && !isNumeric(field)) {
      problems.push(
        `${shown}: "${field.name}" is not a number; formatters (${FORMATTERS.join(', ')}) apply to numbers only`,
      );
      return undefined;
    }
    const format = formatter === undefined ? null : compileFormat(formatter, shown, problems);
    if (format === undefined) return undefined;
    const inner = field.node.kind === 'optional' ? field.node.type : field.node;
    return { kind: 'record', name: field.name, format, time: inner.kind === 'timestamp' };
  }
  if ((NUMBER_FIELDS as readonly string[]).includes(expression)) {
    const format =
      formatter === undefined ? { kind: 'plain' as const } : compileFormat(formatter, shown, problems);
    return format && { kind: 'number', field: expression as (typeof NUMBER_FIELDS)[number], format };
  }

  let part: TemplatePart | undefined;
  if ((STRING_FIELDS as readonly string[]).includes(expression)) {
    part = { kind: 'string', field: expression as (typeof STRING_FIELDS)[number] };
  } else {
    const label = LABEL_PLACEHOLDER.exec(expression)?.[1];
    if (label !== undefined) part = { kind: 'label', name: label };
  }
  if (part === undefined) {
    const [head = '', ...rest] = expression.split('.');
    // `lables.portfolio` → `labels.portfolio`; `valeu` → `value`.
    const guess =
      rest.length > 0
        ? closest(head, ['labels']) && `labels.${rest.join('.')}`
        : expression === 'labels'
          ? undefined
          : closest(expression, PLACEHOLDERS);
    problems.push(
      `${shown}: unknown placeholder "${expression}"` +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; known: ${PLACEHOLDERS.join(', ')}`,
    );
    return undefined;
  }
  if (formatter !== undefined) {
    problems.push(
      `${shown}: "${expression}" is text; formatters (${FORMATTERS.join(', ')}) apply to numbers only`,
    );
    return undefined;
  }
  return part;
}

function compileFormat(text: string, shown: string, problems: string[]): NumberFormat | undefined {
  const [name = '', ...args] = text.split(/\s+/).filter((t) => t !== '');
  if (name !== 'pct' && name !== 'fixed') {
    const guess = closest(name, FORMATTERS);
    problems.push(
      `${shown}: unknown formatter "${name}"` +
        (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
        `; known: pct [digits], fixed <digits>`,
    );
    return undefined;
  }
  if (args.length > 1 || (name === 'fixed' && args.length === 0)) {
    problems.push(
      `${shown}: ${name === 'pct' ? '"pct" takes at most one argument' : '"fixed" takes one argument'}, the number of decimals (e.g. ${name} 2)`,
    );
    return undefined;
  }
  const digitsText = args[0] ?? '2';
  const digits = /^\d+$/.test(digitsText) ? Number(digitsText) : NaN;
  if (!(digits <= MAX_DIGITS)) {
    problems.push(
      `${shown}: the number of decimals must be a whole number from 0 to ${MAX_DIGITS}, found "${digitsText}"`,
    );
    return undefined;
  }
  return { kind: name, digits };
}

/** What a template is rendered with. */
export interface TemplateValues {
  /** Null for a rule over records that names no field (its templates cannot refer to it). */
  readonly value: number | null;
  /** Null for rules with `expr` (their templates cannot refer to it). */
  readonly threshold: number | null;
  readonly clear: number | null;
  readonly consecutive: number;
  readonly env: string;
  readonly rule: string;
  /** The rule's `for` and `keep_firing_for`, as durations (`5m`, `0s`). */
  readonly for: string;
  readonly keep_firing_for: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The record of a rule over records; null for metric points. */
  readonly record: Readonly<Record<string, unknown>> | null;
}

/** The template's text for these values. */
export function renderTemplate(template: Template, values: TemplateValues): string {
  let text = '';
  for (const part of template.parts) {
    switch (part.kind) {
      case 'text':
        text += part.text;
        break;
      case 'number':
        text += formatNumber(values[part.field], part.format);
        break;
      case 'string':
        text += values[part.field];
        break;
      case 'label':
        text += Object.hasOwn(values.labels, part.name) ? values.labels[part.name] : '';
        break;
      case 'record':
        text += recordText(values.record?.[part.name], part);
        break;
    }
  }
  return text;
}

function recordText(
  value: unknown,
  part: { readonly format: NumberFormat | null; readonly time: boolean },
): string {
  if (value === null || value === undefined) return '';
  if (part.time && typeof value === 'number') return new Date(value).toISOString();
  if (part.format !== null && typeof value === 'number') return formatNumber(value, part.format);
  // Template fields are scalars (record-inputs.ts): strings, enums, numbers and booleans.
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function formatNumber(value: number | null, format: NumberFormat): string {
  if (value === null) return '';
  switch (format.kind) {
    case 'plain':
      return String(value);
    case 'pct':
      return `${(value * 100).toFixed(format.digits)}%`;
    case 'fixed':
      return value.toFixed(format.digits);
  }
}
