/**
 * The configuration-file loader: a file type is a strict zod schema (z.strictObject, defaults in the
 * schema, cross-field rules with {@link crossCheck}) and a small compile step (e.g. to frozen options).
 * The loader parses the YAML with node positions, validates it, and lists EVERY problem at once, in
 * file order, each as `file:line:col: <field>: <message>` (the message says what was found and what
 * is accepted); an unknown key is located at the key, with a did-you-mean. The same schema gives the
 * JSON Schema for editors.
 *
 * ```ts
 * const RANKING_FILE = defineConfigFile({
 *   schema: z.strictObject({ label_delay: duration().default(0), ... }),
 *   compile: (value, file) => Object.freeze({ file, labelDelayMs: value.label_delay }),
 *   error: (file, problems) => new ConfigError(problems, `the ranking configuration ${file}`),
 * });
 * const options = await RANKING_FILE.load('ranking.yaml');
 * ```
 */
import { z } from 'zod';
import { defaultMessage, problemsOf, type MissingKeys } from './issues.ts';
import {
  loadYamlConfig,
  locate,
  locateProblems,
  parseYaml,
  type MissingAt,
  type ParsedYaml,
  type YamlPath,
} from './yaml-document.ts';

/** A file type. */
export interface ConfigFileSpec<S extends z.ZodType, T> {
  /** The file's schema: strict objects, defaults, the messages its fields word themselves. */
  readonly schema: S;
  /**
  /**
   * The options from the schema's output (durations are already ms); `file` is the file as shown;
   * `at(path)` is `file:line:col` of the value at `path` (for messages of later stages); `document` the
   * parsed file (to locate a value the options keep, e.g. for a later check).
   */
  readonly compile: (
    value: z.output<S>,
    file: string,
    at: (path: YamlPath) => string,
    document: ParsedYaml,
  ) => T;
  /** The error that lists the problems (each `file:line:col: ...`), thrown at once. */
  readonly error: (file: string, problems: readonly string[]) => Error;
  /** What comes before a problem's message (default: the field path, `sums[0].window: `; none at the top). */
  readonly where?: (path: YamlPath, root: unknown) => string;
  /** Where a problem about the top of the document points (default: the start of the file). */
  readonly missingAt?: MissingAt;
  /** Which field a missing key's problem names (default: its mapping). */
  readonly missingKeys?: MissingKeys;
  /** What to add to a YAML syntax error about its source line (e.g. ": quote the operator"). */
  readonly hint?: (sourceLine: string) => string;
  /** The file shipped with tradewatch, named when a file cannot be read. */
  readonly defaultFile?: string;
}

/** A file type's loader. */
export interface ConfigFile<T> {
  /**
   * Parses and validates a file's text. Pure: `file` only names the file in messages.
   * @throws the spec's error listing every problem (or the YAML syntax errors alone).
   */
  readonly parse: (text: string, file: string) => T;
  /** Reads and parses `file` (see {@link ConfigFile.parse}); a file that cannot be read is one problem. */
  readonly load: (file: string) => Promise<T>;
  /** The JSON Schema of the file, for editors (the input side of the schema). */
  readonly jsonSchema: () => Record<string, unknown>;
}

/** `sums[0].window: ` for `['sums', 0, 'window']`; nothing at the top. */
export function fieldPath(path: YamlPath): string {
  if (path.length === 0) return '';
  return `${path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')}: `;
}

export function defineConfigFile<S extends z.ZodType, T>(spec: ConfigFileSpec<S, T>): ConfigFile<T> {
  const where = spec.where ?? fieldPath;
  const parse = (text: string, file: string): T => {
    const result = parseYaml(text, file, spec.hint);
    if ('syntax' in result) throw spec.error(file, result.syntax);
    const { root } = result.parsed;
    const parsed = spec.schema.safeParse(root, { reportInput: true, error: defaultMessage });
    if (parsed.success) {
      return spec.compile(
        parsed.data,
        file,
        (path) => {
          const { line, col } = result.parsed.lineCounter.linePos(locate(result.parsed.doc, path));
          return `${file}:${line}:${col}`;
        },
        result.parsed,
      );
    }
    const problems = problemsOf(parsed.error.issues, root, spec.missingKeys);
    throw spec.error(
      file,
      locateProblems(result.parsed, file, problems, (path) => where(path, root), spec.missingAt),
    );
  };
  return {
    parse,
    load: (file) => loadYamlConfig(file, parse, spec.error, spec.defaultFile),
    jsonSchema: () => z.toJSONSchema(spec.schema, { io: 'input', unrepresentable: 'any' }),
  };
}
