/**
 * zod building blocks shared by the configuration files' schemas: the duration field (the one grammar
 * of core/durations.ts), and cross-field rules that run even when other fields have problems.
 */
import { z } from 'zod';
import {
  DURATION_FORMS,
  durationPattern,
  parseDuration,
  parseDurationOrNever,
  type DurationOptions,
} from '../durations.ts';
import type { IssueParams } from './issues.ts';
import { found, type YamlPath } from './yaml-document.ts';

/** How a duration field reads and words its values. */
export interface DurationFieldOptions extends DurationOptions {
  /** The smallest accepted, in ms (default 0; 1 for a positive duration). */
  readonly min?: number;
  /**
   * The problem for a value not accepted (default `expected <DURATION_FORMS>, found <value>`, and
   * `... or never, ...` for {@link durationOrNever}).
   */
  readonly message?: (input: unknown) => string;
  /** The field's description in the JSON Schema. */
  readonly description?: string;
}

/** What the JSON Schema says a duration is (the editor's view; the parse is the judge). */
function durationInput(options: DurationFieldOptions, message: (input: unknown) => string) {
  const error = (i: { input: unknown }) => message(i.input);
  // Not z.int(): its issue stops every cross-field check above it (see crossCheck).
  const number = options.unitless === true ? z.number({ error }).min(0, { error }) : z.literal(0, { error });
  const text = z.string({ error }).meta({ pattern: durationPattern(options).source });
  const input = z.union([number, text], { error });
  return options.description === undefined ? input : input.meta({ description: options.description });
}

/** A duration field: milliseconds, at least `options.min`. */
export function duration(options: DurationFieldOptions = {}) {
  const message =
    options.message ?? ((input: unknown) => `expected ${DURATION_FORMS}, found ${found(input)}`);
  return durationInput(options, message).transform((value, ctx): number => {
    const ms = parseDuration(value, options);
    if (ms === undefined || ms < (options.min ?? 0)) {
      ctx.addIssue({ code: 'custom', message: message(value), input: value });
      return z.NEVER;
    }
    return ms;
  });
}

/** A duration field that also takes `never` (or a YAML null): null for no duration. */
export function durationOrNever(options: DurationFieldOptions = {}) {
  const message =
    options.message ?? ((input: unknown) => `expected ${DURATION_FORMS} or never, found ${found(input)}`);
  const never = z.union([z.literal('never'), z.null()]);
  return z
    .union([never, durationInput(options, message)], { error: (i) => message(i.input) })
    .transform((value, ctx): number | null => {
      const ms = parseDurationOrNever(value, options);
      if (ms === undefined || (ms !== null && ms < (options.min ?? 0))) {
        ctx.addIssue({ code: 'custom', message: message(value), input: value });
        return z.NEVER;
      }
      return ms;
    });
}

/** How a cross-field rule reports a problem, at `path` from the checked value. */
export type Report = (path: YamlPath, message: string, params?: IssueParams) => void;

/** How a refinement or transform (its `ctx`) reports a problem, at `path` from its value. */
export function reportTo(ctx: z.RefinementCtx): Report {
  return (path, message, params) => {
    ctx.addIssue({
      code: 'custom',
      path: [...path],
      message,
      input: undefined,
      ...(params === undefined ? {} : { params: { ...params } }),
    });
  };
}

/**
 * `schema` with a cross-field rule that runs even when other fields have problems, so that a file's
 * problems are all listed in one round. The value a rule sees is the schema's output only where
 * `valid(path)` says so (no problem at or under that path); elsewhere it holds whatever was read, so a
 * rule reads a part only after checking it. (zod skips it after an issue that stops the parse, such as
 * `.int()`'s: write `.refine(Number.isInteger, ...)` in such a schema.)
 */
export function crossCheck<S extends z.ZodType>(
  schema: S,
  rule: (value: z.output<S>, report: Report, valid: (...path: YamlPath) => boolean) => void,
): S {
  return schema.superRefine(
    (value, ctx) => {
      // Not even the type: nothing to combine.
      if (typeof value !== 'object' || value === null) return;
      const issues = [...ctx.issues];
      const valid = (...path: YamlPath): boolean =>
        !issues.some((i) => path.every((segment, n) => i.path?.[n] === segment));
      rule(value, reportTo(ctx), valid);
    },
    { when: () => true },
  );
}

/**
 * `schema`, shown in the JSON Schema as `view`: for a field whose parse words its own problems (a
 * transform, a flat object with cross-field rules) while editors are better served by the structure
 * (e.g. a union of the forms a rule takes). The parse is the judge; the view is what editors check.
 */
export function shownAs<S extends z.ZodType>(schema: S, view: z.ZodType) {
  // A new schema (not a refinement of `schema`, whose parent zod would look for) carrying zod's hook
  // for a schema that renders its own JSON Schema (io: input, the side editors see).
  const shown = schema.transform((value): z.output<S> => value);
  shown._zod.toJSONSchema = () => {
    const { $schema: _, ...json } = z.toJSONSchema(view, { io: 'input', unrepresentable: 'any' });
    return json;
  };
  return shown;
}
