/**
 * A rule's label keys, `match:` (label matchers) and `labels:` (static labels), as zod fields of the
 * rules file. They word their problems by hand, naming the label (a value that should be quoted, a
 * regex that does not compile, `env` that cannot be set); editors see their structure (rules.schema.json).
 */
import { z } from 'zod';
import { found, isRecord, reportTo, shownAs, unknownKey, type Report } from '../../core/config-file/index.ts';
import { compileRegex } from '../../core/label-matchers.ts';
import type { LabelMatcher } from './types.ts';

export const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const MATCHER_KEYS = ['regex', 'in'] as const;

/** One label of `match:`; no matcher when its spec has a problem (the label is still checked). */
export interface MatchEntry {
  readonly label: string;
  readonly matcher?: LabelMatcher;
}

function labelNameProblem(name: string): string | undefined {
  return LABEL_NAME.test(name)
    ? undefined
    : `"${name}" is not a label name (letters, digits and _, not starting with a digit)`;
}

function stringValueProblem(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `label values are text: quote it ('${String(value)}')`;
  }
  return undefined;
}

const labelValue = z.string();

/** `match:`: each label's matcher, a value, `{ regex: '...' }` (anchored) or `{ in: [...] }`. */
export const MATCH = shownAs(
  z.unknown().transform((raw, ctx): MatchEntry[] => {
    const problem = reportTo(ctx);
    if (!isRecord(raw)) {
      problem(
        [],
        `expected a mapping of label matchers (e.g. match: { portfolio: alpha }), found ${found(raw)}`,
      );
      return [];
    }
    return Object.entries(raw).map(([label, spec]): MatchEntry => {
      const nameProblem = labelNameProblem(label);
      if (nameProblem !== undefined) problem([label], nameProblem, { onKey: true });
      const matcher = labelMatcher(label, spec, (path, message, params) =>
        problem([label, ...path], message, params),
      );
      return matcher === undefined ? { label } : { label, matcher };
    });
  }),
  z
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
);

function labelMatcher(label: string, spec: unknown, problem: Report): LabelMatcher | undefined {
  if (typeof spec === 'string') return { label, kind: 'equals', value: spec };
  const valueProblem = stringValueProblem(spec);
  if (valueProblem !== undefined) return void problem([], valueProblem);
  const keys = isRecord(spec) ? Object.keys(spec) : [];
  const unknown = keys.filter((k) => !(MATCHER_KEYS as readonly string[]).includes(k));
  if (!isRecord(spec) || keys.length !== 1 || unknown.length > 0) {
    if (unknown.length > 0)
      for (const k of unknown) problem([k], unknownKey(k, MATCHER_KEYS), { onKey: true });
    else problem([], `expected a label value, { regex: '...' } or { in: [...] }, found ${found(spec)}`);
    return undefined;
  }
  if ('regex' in spec) {
    const source = spec['regex'];
    if (typeof source !== 'string') {
      return void problem(['regex'], `expected a regular expression (text), found ${found(source)}`);
    }
    const regex = compileRegex(source);
    if (regex instanceof RegExp) return { label, kind: 'regex', source, regex };
    return void problem(['regex'], `${found(source)} ${regex.problem}`);
  }
  const values = spec['in'];
  if (!Array.isArray(values)) {
    return void problem(['in'], `expected a list of label values, found ${found(values)}`);
  }
  const bad = values.findIndex((v) => typeof v !== 'string');
  if (values.length === 0) return void problem(['in'], 'expected at least one value');
  if (bad !== -1) {
    const value: unknown = values[bad];
    return void problem(
      ['in', bad],
      stringValueProblem(value) ?? `expected a label value (text), found ${found(value)}`,
    );
  }
  return { label, kind: 'in', values: Object.freeze(values as string[]) };
}

/** `labels:`: static labels added to the alert's (not env). */
export const LABELS = shownAs(
  z.unknown().transform((raw, ctx): Record<string, string> => {
    const problem = reportTo(ctx);
    if (!isRecord(raw)) {
      problem([], `expected a mapping of static labels (e.g. labels: { team: risk }), found ${found(raw)}`);
      return {};
    }
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) {
      const nameProblem =
        name === 'env'
          ? "\"env\" cannot be set here: the alert's env is the metric's env label (the record's env field)"
          : labelNameProblem(name);
      if (nameProblem !== undefined) problem([name], nameProblem, { onKey: true });
      if (typeof value === 'string') labels[name] = value;
      else {
        problem([name], stringValueProblem(value) ?? `expected a label value (text), found ${found(value)}`);
      }
    }
    return labels;
  }),
  z
    .record(
      z
        .string()
        .regex(LABEL_NAME)
        .refine((n) => n !== 'env'),
      labelValue,
    )
    .meta({ description: "Static labels added to the alert's labels (not env)." }),
);
