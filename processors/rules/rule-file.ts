/**
 * The rules file: YAML, read once at start-up and validated in full by core's loader against its schema
 * (rule-schema.ts, published as rules.schema.json), which goes beyond a JSON Schema (rule-checks.ts).
 * Every problem (YAML syntax, unknown keys, wrong types, a clear bound on the wrong side, an expression
 * that does not compile, unknown template placeholders, duplicate names) is listed in ONE
 * TW_RULES_INVALID error, each with its file, line and column, the rule it is in and how to fix it.
 * See README.md in this folder for the format.
 */
import { fileURLToPath } from 'node:url';
import { defineConfigFile, isRecord, loadYamlFile, type YamlPath } from '../../core/config-file/index.ts';
import { TradewatchError } from '../../core/errors.ts';
import { invalidFileError, unreadableFileError } from '../../core/config-file/index.ts';
import { displayPath } from '../../core/display-path.ts';
import { RULES_FILE_SCHEMA } from './rule-schema.ts';
import type { CompiledRule, CompiledRules } from './types.ts';

/** The rules shipped with tradewatch (see the file's header for what they cover). */
export const DEFAULT_RULES_FILE = fileURLToPath(new URL('./default-rules.yaml', import.meta.url));

const RULES_FILE = defineConfigFile({
  schema: RULES_FILE_SCHEMA,
  compile: (value, file) => compiledRules(file, value.rules),
  error: rulesError,
  where,
  hint: (source) => (/(^|\s)op:\s*[<>]/.test(source) ? ": quote the operator (op: '>=')" : ''),
});

/**
 * Parses and validates a rules file's text. Pure: `file` only names the file in messages.
 * @throws TradewatchError TW_RULES_INVALID listing every problem.
 */
export const parseRules: (text: string, file: string) => CompiledRules = RULES_FILE.parse;

/** The published JSON Schema (draft 2020-12) of rules files, as committed in rules.schema.json. */
export const rulesJsonSchema = RULES_FILE.jsonSchema;

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
 * Reads, validates and merges rules files (see {@link mergeRules}): `tradewatch run --rules a --rules b`.
 * @throws TradewatchError TW_RULES_INVALID listing every problem of every file, each with its file
 * (one file: its own error, unchanged), then the names used twice across the files.
 */
export async function loadRuleFiles(files: readonly string[]): Promise<CompiledRules> {
  if (files.length === 1) return loadRules(files[0]!);
  const sets: CompiledRules[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      sets.push(await loadRules(file));
    } catch (e: unknown) {
      if (!(e instanceof TradewatchError) || e.code !== 'TW_RULES_INVALID') throw e;
      const listed = e.details['problems'];
      // An unreadable file has no list: its message names it.
      problems.push(...(Array.isArray(listed) ? listed.map(String) : [e.message.split('\n')[0]!]));
    }
  }
  if (problems.length > 0) throw rulesError(files.join(', '), problems);
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

/** `rule "name": threshold: ` or `rules[2]: ` (no valid name) or `version: ` for a problem at `path`. */
function where(path: YamlPath, root: unknown): string {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return path.length > 0 ? `${path.join('.')}: ` : '';
  const list = isRecord(root) ? root['rules'] : undefined;
  const raw: unknown = Array.isArray(list) ? list[path[1]] : undefined;
  const name = isRecord(raw) ? raw['name'] : undefined;
  const rule =
    typeof name === 'string' && name !== '' ? `rule "${name}" (rules[${path[1]}])` : `rules[${path[1]}]`;
  const field = path.slice(2).join('.');
  return field === '' ? `${rule}: ` : `${rule}: ${field}: `;
}
