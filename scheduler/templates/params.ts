/**
 * Template parameters: validation with messages that say what was found, and the list of accepted
 * parameters (derived from the template's zod schema, so the two never disagree).
 */
import { z } from 'zod';
import { renderValue } from '../../core/problems.ts';
import type { JobTemplate } from './types.ts';

/** Parses `raw` with the template's schema: the parameters with defaults applied, or every problem. */
export function parseParams(
  template: JobTemplate,
  raw: unknown,
): { ok: true; params: Record<string, unknown> } | { ok: false; problems: string[] } {
  const result = template.params.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return { ok: true, params: result.data as Record<string, unknown> };
  const problems = result.error.issues.map((issue) => {
    const path = ['params', ...issue.path.map(String)].join('.');
    const found =
      issue.code === 'unrecognized_keys' || !('input' in issue)
        ? ''
        : issue.input === undefined
          ? ' (missing)'
          : `, found ${renderValue(issue.input)}`;
    return `${path}: ${issue.message}${found}`;
  });
  return { ok: false, problems };
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** The accepted parameters of a template, one per line: `name (type, required|default x): description`. */
export function describeParams(template: JobTemplate): string[] {
  const schema = z.toJSONSchema(template.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return describeObject(schema, '');
}

function describeObject(schema: JsonSchema, prefix: string): string[] {
  const lines: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const status = required.has(name)
      ? 'required'
      : property.default !== undefined
        ? `default ${JSON.stringify(property.default)}`
        : 'optional';
    const doc = property.description === undefined ? '' : `: ${property.description}`;
    lines.push(`${prefix}${name} (${typeText(property)}, ${status})${doc}`);
    if (property.properties !== undefined) lines.push(...describeObject(property, `${prefix}${name}.`));
  }
  return lines;
}

function typeText(schema: JsonSchema): string {
  if (schema.enum !== undefined) return `one of ${schema.enum.map((v) => String(v)).join(', ')}`;
  if (schema.anyOf !== undefined) return schema.anyOf.map(typeText).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `list of ${schema.items === undefined ? 'any' : typeText(schema.items)}`;
  const bounds: string[] = [];
  // zod gives integers the safe range as bounds: only bounds a person set are worth showing.
  const set = (n: number | undefined): n is number =>
    n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  if (set(schema.minimum)) bounds.push(`>= ${schema.minimum}`);
  if (set(schema.exclusiveMinimum)) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (set(schema.maximum)) bounds.push(`<= ${schema.maximum}`);
  return bounds.length === 0 ? type : `${type} ${bounds.join(' ')}`;
}
