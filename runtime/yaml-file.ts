/**
 * The hand-written loaders' toolbox (field by field with zod, *_KEYS lists), kept for the files not yet
 * on core/config-file's loader (notifiers, routing, scheduler jobs, backtest requests); the YAML
 * document and its positions are core/config-file/yaml-document.ts's.
 */
import type { z } from 'zod';
import {
  locateProblems,
  parseYaml,
  unknownKey,
  type MissingAt,
  type YamlPath,
  type YamlProblem,
} from '../core/config-file/yaml-document.ts';
import { TradewatchError, type ErrorCode } from './errors.ts';

export * from '../core/config-file/yaml-document.ts';

/**
 * Parses and validates a configuration's text: YAML syntax errors alone, else `validate`'s problems
 * located (`where(path, root)` before each message), each list thrown as `error(problems)`.
 */
export function parseYamlConfig<T>(
  text: string,
  file: string,
  spec: {
    /** The value, or undefined when invalid; every problem is added to `problems`. */
    readonly validate: (root: unknown, problems: YamlProblem[]) => T | undefined;
    readonly where: (path: YamlPath, root: unknown) => string;
    readonly error: (problems: readonly string[]) => Error;
    readonly missingAt?: MissingAt;
    /** What to add to a syntax error about its source line (see {@link parseYaml}). */
    readonly hint?: (sourceLine: string) => string;
  },
): T {
  const result = parseYaml(text, file, spec.hint);
  if ('syntax' in result) throw spec.error(result.syntax);
  const { root } = result.parsed;
  const problems: YamlProblem[] = [];
  const value = spec.validate(root, problems);
  if (problems.length === 0 && value !== undefined) return value;
  throw spec.error(
    locateProblems(result.parsed, file, problems, (path) => spec.where(path, root), spec.missingAt),
  );
}

/**
 * For {@link loadYamlFile}: `cannot read <subject> <shown>: <reason><advice>` as a TradewatchError of
 * `code`, for the files whose problems are not a ConfigError.
 */
export function unreadableFileError(
  code: ErrorCode,
  subject: string,
  advice = '',
): (shown: string, reason: string, cause: unknown) => TradewatchError {
  return (shown, reason, cause) =>
    new TradewatchError(code, `cannot read ${subject} ${shown}: ${reason}${advice}`, {
      cause,
      details: { file: shown },
    });
}

/**
 * `<subject> <file> is invalid (N problems):` and the list, then `fix`: for the files whose problems
 * are a TradewatchError of their own code rather than a ConfigError.
 */
export function invalidFileError(
  code: ErrorCode,
  subject: string,
  file: string,
  problems: readonly string[],
  fix: string,
): TradewatchError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new TradewatchError(
    code,
    `${subject} ${file} is invalid (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n${fix}`,
    { details: { file, problems } },
  );
}

/** An unknown-key problem for each key of `raw` not in `known`. */
export function unknownKeys(
  raw: Record<string, unknown>,
  known: readonly string[],
  at: YamlPath,
  problems: YamlProblem[],
): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key))
      problems.push({ path: [...at, key], onKey: true, message: unknownKey(key, known) });
  }
}

/** Checks `raw[key]` (when present) with `schema`, its problems added; the parsed value or undefined. */
export function field<T>(
  raw: Record<string, unknown>,
  key: string,
  at: YamlPath,
  schema: z.ZodType<T>,
  problems: YamlProblem[],
): T | undefined {
  if (!Object.hasOwn(raw, key)) return undefined;
  const result = schema.safeParse(raw[key]);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push({
      path: [...at, key, ...issue.path.map((s) => (typeof s === 'number' ? s : String(s)))],
      message: issue.message,
    });
  }
  return undefined;
}
