/**
 * The freshness configuration file: YAML, read once at start-up and validated in full. Every problem
 * (YAML syntax, unknown keys, wrong types, bad durations, a topic not in the catalogue, a setting given
 * for a topic whose records do not have it) is listed in ONE ConfigError (TW_CONFIG_INVALID, exit 2),
 * each with its file, line and column, the field, what was found and what is accepted. See README.md in
 * this folder for the format.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import {
  field,
  found,
  isRecord,
  parseYamlConfig,
  loadYamlConfig,
  unknownKeys,
  type YamlPath,
  type YamlProblem as Problem,
} from '../../runtime/yaml-file.ts';
import { closest } from '../../schemas/problems.ts';
import { ENVIRONMENTS, type Environment, type RecordTypeName } from '../../schemas/index.ts';
import { TOPICS } from '../../topics/catalogue.ts';
import { DURATION_FORMAT, parseDuration, parseDurationOrNever } from './durations.ts';
import { keyPattern, regexPattern, type KeyPattern } from './key-pattern.ts';
import {
  DEFAULT_FRESHNESS_SETTINGS,
  PARTIAL_POLICIES,
  checkSpec,
  type Cadence,
  type FreshnessOptions,
  type PartialPolicy,
  type SourceOverride,
  type SourceSettingsSpec,
  type SourceTopicOptions,
} from './options.ts';

/** The configuration shipped with tradewatch. */
export const DEFAULT_FRESHNESS_FILE = fileURLToPath(new URL('./default-freshness.yaml', import.meta.url));

const VERSIONS = [1] as const;
const TOP_KEYS = ['version', 'env', 'heartbeat_interval', 'report_every', 'sources'] as const;
const SETTING_KEYS = ['cadence', 'slack', 'forget_after', 'weights_max_age', 'partial'] as const;
const SOURCE_KEYS = ['topic', 'env', ...SETTING_KEYS, 'overrides', 'ignore'] as const;
const OVERRIDE_KEYS = ['key', ...SETTING_KEYS] as const;

/** The settings that only mean something for one record type. */
const TYPE_OF_SETTING: Readonly<Partial<Record<(typeof SETTING_KEYS)[number], RecordTypeName>>> = {
  weights_max_age: 'InferenceCycle',
  partial: 'IngestRun',
};

/** The topics freshness can watch: catalogue topics of one Avro record type. */
const WATCHABLE = TOPICS.flatMap((t) =>
  t.value.kind === 'avro' ? [{ name: t.name, type: t.value.type }] : [],
);

const duration = (what: 'positive' | 'non-negative') =>
  z.unknown().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || (what === 'positive' && ms === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what === 'positive' ? 'a positive duration' : DURATION_FORMAT} (e.g. 30s, 15m, 2h, 7d), found ${found(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A positive duration, or `never` (also null) for none. */
const optionalDuration = z.unknown().transform((value, ctx): number | null => {
  const ms = parseDurationOrNever(value);
  if (ms === null) return null;
  if (ms === undefined || ms === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a positive duration (e.g. 30s, 15m, 2h, 7d) or never, found ${found(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const cadence = z.unknown().transform((value, ctx): Cadence => {
  if (value === 'heartbeat') return 'heartbeat';
  const ms = parseDuration(value);
  if (ms === undefined || ms === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a positive duration (e.g. 30s, 15m, 2h, 1d) or heartbeat (the heartbeat interval), found ${found(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const environment = z.enum(ENVIRONMENTS, {
  error: (i) => `expected one of ${ENVIRONMENTS.join(', ')}, found ${found(i.input)}`,
});

const SETTING_SCHEMAS = {
  cadence,
  slack: duration('non-negative'),
  forget_after: optionalDuration,
  weights_max_age: optionalDuration,
  partial: z.enum(PARTIAL_POLICIES, {
    error: (i) =>
      `expected one of ${PARTIAL_POLICIES.join(', ')} (how a partial run counts), found ${found(i.input)}`,
  }),
} as const;

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export function parseFreshnessConfig(text: string, file: string): FreshnessOptions {
  return parseYamlConfig(text, file, {
    validate: (root, problems) => validate(root, file, problems),
    where: (path, root) => where(root, path),
    error: (problems) => configError(file, problems),
    missingAt: 'contents',
  });
}

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export async function loadFreshnessOptions(file: string): Promise<FreshnessOptions> {
  return loadYamlConfig(file, parseFreshnessConfig, configError, DEFAULT_FRESHNESS_FILE);
}

function configError(file: string, problems: readonly string[]): ConfigError {
  return new ConfigError(
    problems,
    `the freshness configuration ${file} (format: processors/freshness/README.md)`,
  );
}

function validate(root: unknown, file: string, problems: Problem[]): FreshnessOptions | undefined {
  if (!isRecord(root)) {
    problems.push({
      path: [],
      message: `expected a mapping with a "sources:" list, found ${root === null || root === undefined ? 'an empty file' : found(root)}`,
    });
    return undefined;
  }
  unknownKeys(root, TOP_KEYS, [], problems);
  if (Object.hasOwn(root, 'version') && !(VERSIONS as readonly unknown[]).includes(root['version'])) {
    problems.push({
      path: ['version'],
      message: `expected ${VERSIONS.join(' or ')}, found ${found(root['version'])}`,
    });
  }
  const env = field(root, 'env', [], environment, problems) ?? DEFAULT_FRESHNESS_SETTINGS.env;
  const heartbeatIntervalMs =
    field(root, 'heartbeat_interval', [], duration('positive'), problems) ??
    DEFAULT_FRESHNESS_SETTINGS.heartbeatIntervalMs;
  const reportEveryMs = Object.hasOwn(root, 'report_every')
    ? field(root, 'report_every', [], optionalDuration, problems)
    : DEFAULT_FRESHNESS_SETTINGS.reportEveryMs;

  const list = root['sources'];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({
      path: list === undefined ? [] : ['sources'],
      message:
        list === undefined
          ? '"sources:" is missing: expected a list of source topics (e.g. - topic: ingest.runs)'
          : `expected a non-empty list of source topics, found ${found(list)}`,
    });
    return undefined;
  }
  const sources: SourceTopicOptions[] = [];
  const firstIndexOf = new Map<string, number>();
  list.forEach((raw: unknown, index) => {
    const topic = isRecord(raw) ? raw['topic'] : undefined;
    if (typeof topic === 'string') {
      const first = firstIndexOf.get(topic);
      if (first === undefined) firstIndexOf.set(topic, index);
      else {
        problems.push({
          path: ['sources', index, 'topic'],
          message: `sources[${first}] already watches ${topic}: list each topic once (use overrides for keys)`,
        });
      }
    }
    const source = validateSource(raw, ['sources', index], env, heartbeatIntervalMs, problems);
    if (source !== undefined) sources.push(source);
  });
  if (problems.length > 0 || reportEveryMs === undefined) return undefined;
  return Object.freeze({ file, env, heartbeatIntervalMs, reportEveryMs, sources: Object.freeze(sources) });
}

function validateSource(
  raw: unknown,
  path: YamlPath,
  defaultEnv: Environment,
  heartbeatIntervalMs: number,
  problems: Problem[],
): SourceTopicOptions | undefined {
  if (!isRecord(raw)) {
    problems.push({ path, message: `expected a mapping (topic, cadence, slack, ...), found ${found(raw)}` });
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, SOURCE_KEYS, path, problems);
  const type = validateTopic(raw, path, problems);
  for (const key of ['cadence', 'slack'] as const) {
    if (!Object.hasOwn(raw, key)) {
      problems.push({
        path,
        message: `"${key}" is missing (e.g. ${key === 'cadence' ? 'cadence: 15m' : 'slack: 5m'})`,
      });
    }
  }
  const env = field(raw, 'env', path, environment, problems) ?? defaultEnv;
  const settings = validateSettings(raw, path, type, problems);
  const defaults: SourceSettingsSpec = {
    cadence: settings.cadence ?? 1,
    slackMs: settings.slackMs ?? 0,
    forgetAfterMs: settings.forgetAfterMs ?? DEFAULT_FRESHNESS_SETTINGS.forgetAfterMs,
    weightsMaxAgeMs: settings.weightsMaxAgeMs ?? DEFAULT_FRESHNESS_SETTINGS.weightsMaxAgeMs,
    partial: settings.partial ?? DEFAULT_FRESHNESS_SETTINGS.partial,
  };
  // The combined checks need the fields they combine; other problems do not hold them back.
  const defaultsValid =
    settings.cadence !== undefined &&
    settings.slackMs !== undefined &&
    (settings.forgetAfterMs !== undefined || !Object.hasOwn(raw, 'forget_after'));
  if (defaultsValid) spec(defaults, heartbeatIntervalMs, path, raw, problems);

  const overrides: SourceOverride[] = [];
  if (Object.hasOwn(raw, 'overrides')) {
    const list = raw['overrides'];
    if (!Array.isArray(list)) {
      problems.push({
        path: [...path, 'overrides'],
        message: `expected a list of overrides (e.g. - key: 'intraday-*'), found ${found(list)}`,
      });
    } else {
      list.forEach((item: unknown, i) => {
        const here = [...path, 'overrides', i];
        const override = validateOverride(item, here, type, problems);
        if (override === undefined) return;
        if (defaultsValid && isRecord(item)) {
          spec({ ...defaults, ...override.settings }, heartbeatIntervalMs, here, item, problems);
        }
        overrides.push(override);
      });
    }
  }

  const ignore: KeyPattern[] = [];
  if (Object.hasOwn(raw, 'ignore')) {
    const list = raw['ignore'];
    if (!Array.isArray(list)) {
      problems.push({
        path: [...path, 'ignore'],
        message: `expected a list of keys, globs or { regex: '...' } (e.g. ['sandbox-*']), found ${found(list)}`,
      });
    } else {
      list.forEach((item: unknown, i) => {
        const pattern = validatePattern(item, [...path, 'ignore', i], problems);
        if (pattern !== undefined) ignore.push(pattern);
      });
    }
  }

  if (problems.length > before || type === undefined) return undefined;
  return Object.freeze({
    topic: raw['topic'] as string,
    type,
    env,
    defaults: Object.freeze(defaults),
    overrides: Object.freeze(overrides),
    ignore: Object.freeze(ignore),
  });
}

/** The topic's record type, or undefined after reporting why the topic cannot be watched. */
function validateTopic(
  raw: Record<string, unknown>,
  path: YamlPath,
  problems: Problem[],
): RecordTypeName | undefined {
  if (!Object.hasOwn(raw, 'topic')) {
    problems.push({ path, message: '"topic" is missing (e.g. topic: ingest.runs)' });
    return undefined;
  }
  const topic = raw['topic'];
  const here = [...path, 'topic'];
  if (typeof topic !== 'string') {
    problems.push({ path: here, message: `expected a topic name (text), found ${found(topic)}` });
    return undefined;
  }
  const definition = TOPICS.find((t) => t.name === topic);
  if (definition === undefined) {
    const guess = closest(
      topic,
      TOPICS.map((t) => t.name),
    );
    problems.push({
      path: here,
      message:
        `"${topic}" is not in the topic catalogue (topics/catalogue.ts)` +
        `${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; ` +
        `topics freshness can watch: ${WATCHABLE.map((t) => t.name).join(', ')}`,
    });
    return undefined;
  }
  if (definition.value.kind !== 'avro') {
    problems.push({
      path: here,
      message:
        `${topic} carries ${definition.value.kind === 'avro-mixed' ? 'several record types' : 'raw dead letters'}: ` +
        `freshness watches topics of one record type: ${WATCHABLE.map((t) => t.name).join(', ')}`,
    });
    return undefined;
  }
  return definition.value.type;
}

/** The settings given at `path` (a source or an override), each checked; type-specific ones against `type`. */
function validateSettings(
  raw: Record<string, unknown>,
  path: YamlPath,
  type: RecordTypeName | undefined,
  problems: Problem[],
): Partial<SourceSettingsSpec> {
  for (const [key, only] of Object.entries(TYPE_OF_SETTING)) {
    if (Object.hasOwn(raw, key) && type !== undefined && type !== only) {
      const carriers = WATCHABLE.filter((t) => t.type === only).map((t) => t.name);
      problems.push({
        path: [...path, key],
        onKey: true,
        message: `${key} applies to topics of ${only} records only (${carriers.join(', ')}); this topic carries ${type}`,
      });
    }
  }
  const settings: { -readonly [K in keyof SourceSettingsSpec]?: SourceSettingsSpec[K] } = {};
  const cadenceMs = field(raw, 'cadence', path, SETTING_SCHEMAS.cadence, problems);
  if (cadenceMs !== undefined) settings.cadence = cadenceMs;
  const slackMs = field(raw, 'slack', path, SETTING_SCHEMAS.slack, problems);
  if (slackMs !== undefined) settings.slackMs = slackMs;
  const forgetAfterMs = field(raw, 'forget_after', path, SETTING_SCHEMAS.forget_after, problems);
  if (forgetAfterMs !== undefined) settings.forgetAfterMs = forgetAfterMs;
  const weightsMaxAgeMs = field(raw, 'weights_max_age', path, SETTING_SCHEMAS.weights_max_age, problems);
  if (weightsMaxAgeMs !== undefined) settings.weightsMaxAgeMs = weightsMaxAgeMs;
  const partial = field<PartialPolicy>(raw, 'partial', path, SETTING_SCHEMAS.partial, problems);
  if (partial !== undefined) settings.partial = partial;
  return settings;
}

/** Checks the combined settings, locating a problem at its field when given here, else at `path`. */
function spec(
  merged: SourceSettingsSpec,
  heartbeatIntervalMs: number,
  path: YamlPath,
  given: Readonly<Record<string, unknown>>,
  problems: Problem[],
): void {
  const cadenceMs = merged.cadence === 'heartbeat' ? heartbeatIntervalMs : merged.cadence;
  for (const p of checkSpec({ ...merged, cadenceMs })) {
    const here = Object.hasOwn(given, p.field);
    problems.push({
      path: here ? [...path, p.field] : path,
      message: here ? p.message : `${p.field} ${p.message}`,
    });
  }
}

function validateOverride(
  raw: unknown,
  path: YamlPath,
  type: RecordTypeName | undefined,
  problems: Problem[],
): SourceOverride | undefined {
  if (!isRecord(raw)) {
    problems.push({
      path,
      message: `expected a mapping with a key and settings (e.g. { key: 'intraday-*', cadence: 1m }), found ${found(raw)}`,
    });
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, OVERRIDE_KEYS, path, problems);
  let key: KeyPattern | undefined;
  if (!Object.hasOwn(raw, 'key')) {
    problems.push({
      path,
      message: `"key" is missing: the source key(s) it applies to (e.g. key: 'intraday-*')`,
    });
  } else key = validatePattern(raw['key'], [...path, 'key'], problems);
  const settings = validateSettings(raw, path, type, problems);
  if (problems.length === before && Object.keys(settings).length === 0) {
    problems.push({ path, message: `an override needs at least one setting: ${SETTING_KEYS.join(', ')}` });
  }
  if (problems.length > before || key === undefined) return undefined;
  return Object.freeze({ key, settings: Object.freeze(settings) });
}

function validatePattern(raw: unknown, path: YamlPath, problems: Problem[]): KeyPattern | undefined {
  if (typeof raw === 'string' && raw !== '') return keyPattern(raw);
  if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw['regex'] === 'string') {
    const pattern = regexPattern(raw['regex']);
    if ('problem' in pattern) {
      problems.push({ path: [...path, 'regex'], message: `${found(raw['regex'])} ${pattern.problem}` });
      return undefined;
    }
    return pattern;
  }
  problems.push({
    path,
    message:
      `expected a key ('momentum'), a glob ('intraday-*', with * and ?) or { regex: '...' }, found ${found(raw)}` +
      (typeof raw === 'number' || typeof raw === 'boolean' ? `: quote it ('${String(raw)}')` : ''),
  });
  return undefined;
}

/** `sources[2] (ingest.runs): overrides[0]: cadence: ` for a problem at `path`. */
function where(root: unknown, path: YamlPath): string {
  if (path.length === 0) return '';
  const parts: string[] = [];
  for (const segment of path) {
    if (typeof segment === 'number') parts[parts.length - 1] = `${parts.at(-1) ?? ''}[${segment}]`;
    else parts.push(segment);
  }
  if (path[0] === 'sources' && typeof path[1] === 'number') {
    const list = isRecord(root) ? root['sources'] : undefined;
    const source: unknown = Array.isArray(list) ? list[path[1]] : undefined;
    const topic = isRecord(source) ? source['topic'] : undefined;
    if (typeof topic === 'string' && topic !== '') parts[0] = `${parts[0] ?? ''} (${topic})`;
  }
  return `${parts.join(': ')}: `;
}
