/**
 * Summary templates: text with `{{placeholder}}` or `{{placeholder | formatter args}}`, compiled and
 * checked at start-up so that rendering never fails.
 *
 * Placeholders: `value`, `threshold`, `clear`, `consecutive` (numbers), `env`, `rule`, `for`,
 * `keep_firing_for` (text), `labels.<name>` (a label of the metric or of the rule; empty when the metric
 * has no such label). Formatters (numbers only): `pct [digits]` (0.062 → `6.20%`, default 2 digits),
 * `fixed <digits>` (0.0625 → `0.06` with 2). Summaries and descriptions use the same templates.
 */
import { closest } from '../../schemas/problems.ts';
import type { NumberFormat, Template, TemplatePart } from './types.ts';

const NUMBER_FIELDS = ['value', 'threshold', 'clear', 'consecutive'] as const;
const STRING_FIELDS = ['env', 'rule', 'for', 'keep_firing_for'] as const;
/** The number placeholders only rules with `op` and `threshold` have. */
const THRESHOLD_FIELDS: readonly string[] = ['threshold', 'clear'];
const FORMATTERS = ['pct', 'fixed'] as const;
const PLACEHOLDERS = [...NUMBER_FIELDS, ...STRING_FIELDS, 'labels.<name>'];
const LABEL_PLACEHOLDER = /^labels\.([A-Za-z_][A-Za-z0-9_]*)$/;
const MAX_DIGITS = 20;

/** What a template may refer to. */
export interface TemplateOptions {
  /** Whether `{{threshold}}` and `{{clear}}` exist (rules with `op` and `threshold`). Default true. */
  readonly threshold?: boolean;
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
    const part = compilePlaceholder(inside, problems, options.threshold ?? true);
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
  threshold: boolean,
): TemplatePart | undefined {
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
  readonly value: number;
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
    }
  }
  return text;
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
