/**
 * The freshness configuration file: YAML, read once at start-up and validated in full by core's
 * loader. Every problem (YAML syntax, unknown keys, wrong types, bad durations, a topic not in the
 * catalogue, a setting given for a topic whose records do not have it) is listed in ONE ConfigError
 * (TW_CONFIG_INVALID, exit 2), each with its file, line and column, the field, what was found and what
 * is accepted. See README.md in this folder for the format.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  durationOrNever,
  found,
  isRecord,
  type Report,
  type YamlPath,
} from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { closest } from '../../core/problems.ts';
import { ENVIRONMENTS, type RecordTypeName } from '../../schemas/index.ts';
import { TOPICS } from '../../topics/catalogue.ts';
import { keyPattern, regexPattern, type KeyPattern } from './key-pattern.ts';
import {
  DEFAULT_FRESHNESS_SETTINGS as DEFAULTS,
  PARTIAL_POLICIES,
  checkSpec,
  type FreshnessOptions,
  type SourceSettingsSpec,
} from './options.ts';

/** The configuration shipped with tradewatch. */
export const DEFAULT_FRESHNESS_FILE = fileURLToPath(new URL('./default-freshness.yaml', import.meta.url));

/** The settings that only mean something for one record type. */
const TYPE_OF_SETTING = { weights_max_age: 'InferenceCycle', partial: 'IngestRun' } as const;

/** The topics freshness can watch: catalogue topics of one Avro record type. */
const WATCHABLE = TOPICS.flatMap((t) =>
  t.value.kind === 'avro' ? [{ name: t.name, type: t.value.type }] : [],
);

const typeOf = (topic: string): RecordTypeName | undefined => WATCHABLE.find((t) => t.name === topic)?.type;

const missing = (key: string, example: string) => (input: unknown) =>
  input === undefined ? `"${key}" is missing (e.g. ${key}: ${example})` : undefined;

const positive = (or: string) => (input: unknown) =>
  `expected a positive duration (e.g. 30s, 15m, 2h, 7d)${or}, found ${found(input)}`;

const positiveOrNever = durationOrNever({ unitless: true, min: 1, message: positive(' or never') });

const CADENCE = z.union([z.literal('heartbeat'), duration({ unitless: true, min: 1 })], {
  error: (i) =>
    missing('cadence', '15m')(i.input) ??
    `expected a positive duration (e.g. 30s, 15m, 2h, 1d) or heartbeat (the heartbeat interval), found ${found(i.input)}`,
});
const SLACK = duration({ unitless: true, message: (i) => missing('slack', '5m')(i) ?? positive('')(i) });
const OPTIONAL_SETTINGS = {
  forget_after: positiveOrNever.optional(),
  weights_max_age: positiveOrNever.optional(),
  partial: z
    .enum(PARTIAL_POLICIES, {
      error: (i) =>
        `expected one of ${PARTIAL_POLICIES.join(', ')} (how a partial run counts), found ${found(i.input)}`,
    })
    .optional(),
};
const SETTING_KEYS = ['cadence', 'slack', ...Object.keys(OPTIONAL_SETTINGS)];

/** A key (`momentum`), a glob (`intraday-*`) or `{ regex: '...' }`. */
const KEY_PATTERN = z.unknown().transform((raw, ctx): KeyPattern => {
  if (typeof raw === 'string' && raw !== '') return keyPattern(raw);
  if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw['regex'] === 'string') {
    const pattern = regexPattern(raw['regex']);
    if (!('problem' in pattern)) return pattern;
    ctx.addIssue({ code: 'custom', path: ['regex'], message: `${found(raw['regex'])} ${pattern.problem}` });
    return z.NEVER;
  }
  ctx.addIssue({
    code: 'custom',
    message:
      `expected a key ('momentum'), a glob ('intraday-*', with * and ?) or { regex: '...' }, found ${found(raw)}` +
      (typeof raw === 'number' || typeof raw === 'boolean' ? `: quote it ('${String(raw)}')` : ''),
  });
  return z.NEVER;
});

const OVERRIDE = crossCheck(
  z.strictObject(
    {
      key: KEY_PATTERN.refine((k) => k !== undefined, {
        error: `"key" is missing: the source key(s) it applies to (e.g. key: 'intraday-*')`,
      }),
      cadence: CADENCE.optional(),
      slack: SLACK.optional(),
      ...OPTIONAL_SETTINGS,
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping with a key and settings (e.g. { key: 'intraday-*', cadence: 1m }), found ${found(i.input)}`
          : undefined,
    },
  ),
  (override, report, valid) => {
    if (valid() && !SETTING_KEYS.some((k) => Object.hasOwn(override, k))) {
      report([], `an override needs at least one setting: ${SETTING_KEYS.join(', ')}`);
    }
  },
);

const SOURCE = z.strictObject(
  {
    topic: z.string({
      error: (i) =>
        missing('topic', 'ingest.runs')(i.input) ?? `expected a topic name (text), found ${found(i.input)}`,
    }),
    env: z.enum(ENVIRONMENTS).optional(),
    cadence: CADENCE,
    slack: SLACK,
    ...OPTIONAL_SETTINGS,
    overrides: z
      .array(OVERRIDE, {
        error: (i) => `expected a list of overrides (e.g. - key: 'intraday-*'), found ${found(i.input)}`,
      })
      .default([]),
    ignore: z
      .array(KEY_PATTERN, {
        error: (i) =>
          `expected a list of keys, globs or { regex: '...' } (e.g. ['sandbox-*']), found ${found(i.input)}`,
      })
      .default([]),
  },
  {
    error: (i) =>
      i.code === 'invalid_type'
        ? `expected a mapping (topic, cadence, slack, ...), found ${found(i.input)}`
        : undefined,
  },
);

const FILE = crossCheck(
  z.strictObject(
    {
      version: z.literal(1).optional(),
      env: z.enum(ENVIRONMENTS).default(DEFAULTS.env),
      heartbeat_interval: duration({ unitless: true, min: 1, message: positive('') }).default(
        DEFAULTS.heartbeatIntervalMs,
      ),
      report_every: positiveOrNever.default(DEFAULTS.reportEveryMs),
      sources: z
        .array(SOURCE, {
          error: (i) =>
            i.input === undefined
              ? '"sources:" is missing: expected a list of source topics (e.g. - topic: ingest.runs)'
              : `expected a non-empty list of source topics, found ${found(i.input)}`,
        })
        .min(1, { error: (i) => `expected a non-empty list of source topics, found ${found(i.input)}` }),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping with a "sources:" list, found ${i.input === null || i.input === undefined ? 'an empty file' : found(i.input)}`
          : undefined,
    },
  ),
  (file, report, valid) => {
    if (!Array.isArray(file.sources)) return;
    const heartbeatMs = valid('heartbeat_interval') ? file.heartbeat_interval : DEFAULTS.heartbeatIntervalMs;
    const firstIndexOf = new Map<string, number>();
    file.sources.forEach((source, index) => {
      if (!isRecord(source) || typeof source.topic !== 'string') return;
      const at = ['sources', index];
      const first = firstIndexOf.get(source.topic);
      if (first === undefined) firstIndexOf.set(source.topic, index);
      else {
        report(
          [...at, 'topic'],
          `sources[${first}] already watches ${source.topic}: list each topic once (use overrides for keys)`,
        );
      }
      const type = checkTopic(source.topic, [...at, 'topic'], report);
      const overrides = Array.isArray(source.overrides) ? source.overrides : [];
      for (const [where, given] of [
        [at, source] as const,
        ...overrides.map((o, i) => [[...at, 'overrides', i], o] as const),
      ]) {
        if (type !== undefined && isRecord(given)) checkSettingTypes(given, type, where, report);
      }
      // The combined checks need the fields they combine; other problems do not hold them back.
      if (!valid(...at, 'cadence') || !valid(...at, 'slack') || !valid(...at, 'forget_after')) return;
      const defaults: SourceSettingsSpec = {
        cadence: source.cadence,
        slackMs: source.slack,
        forgetAfterMs: source.forget_after ?? DEFAULTS.forgetAfterMs,
        weightsMaxAgeMs:
          (valid(...at, 'weights_max_age') ? source.weights_max_age : undefined) ?? DEFAULTS.weightsMaxAgeMs,
        partial: (valid(...at, 'partial') ? source.partial : undefined) ?? DEFAULTS.partial,
      };
      checkSettings(defaults, heartbeatMs, at, source, report);
      overrides.forEach((override, i) => {
        if (valid(...at, 'overrides', i)) {
          checkSettings(
            { ...defaults, ...overrideSettings(override) },
            heartbeatMs,
            [...at, 'overrides', i],
            override,
            report,
          );
        }
      });
    });
  },
);

/** Reports why `topic` cannot be watched, or returns its record type. */
function checkTopic(topic: string, at: YamlPath, report: Report): RecordTypeName | undefined {
  const definition = TOPICS.find((t) => t.name === topic);
  const watchable = WATCHABLE.map((t) => t.name).join(', ');
  if (definition === undefined) {
    const guess = closest(
      topic,
      TOPICS.map((t) => t.name),
    );
    report(
      at,
      `"${topic}" is not in the topic catalogue (topics/catalogue.ts)` +
        `${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; topics freshness can watch: ${watchable}`,
    );
  } else if (definition.value.kind !== 'avro') {
    report(
      at,
      `${topic} carries ${definition.value.kind === 'avro-mixed' ? 'several record types' : 'raw dead letters'}: ` +
        `freshness watches topics of one record type: ${watchable}`,
    );
  }
  return typeOf(topic);
}

function checkSettingTypes(
  given: Record<string, unknown>,
  type: RecordTypeName,
  at: YamlPath,
  report: Report,
): void {
  for (const [key, only] of Object.entries(TYPE_OF_SETTING)) {
    if (Object.hasOwn(given, key) && type !== only) {
      const carriers = WATCHABLE.filter((t) => t.type === only).map((t) => t.name);
      report(
        [...at, key],
        `${key} applies to topics of ${only} records only (${carriers.join(', ')}); this topic carries ${type}`,
        { onKey: true },
      );
    }
  }
}

/** Checks the combined settings, locating a problem at its field when given here, else at `at`. */
function checkSettings(
  merged: SourceSettingsSpec,
  heartbeatMs: number,
  at: YamlPath,
  given: object,
  report: Report,
): void {
  const cadenceMs = merged.cadence === 'heartbeat' ? heartbeatMs : merged.cadence;
  for (const p of checkSpec({ ...merged, cadenceMs })) {
    const here = Object.hasOwn(given, p.field);
    report(here ? [...at, p.field] : at, here ? p.message : `${p.field} ${p.message}`);
  }
}

type ParsedOverride = z.output<typeof OVERRIDE>;

/** An override's settings, as the options name them. */
function overrideSettings(o: ParsedOverride): Partial<SourceSettingsSpec> {
  return Object.freeze({
    ...(o.cadence === undefined ? {} : { cadence: o.cadence }),
    ...(o.slack === undefined ? {} : { slackMs: o.slack }),
    ...(o.forget_after === undefined ? {} : { forgetAfterMs: o.forget_after }),
    ...(o.weights_max_age === undefined ? {} : { weightsMaxAgeMs: o.weights_max_age }),
    ...(o.partial === undefined ? {} : { partial: o.partial }),
  });
}

const FRESHNESS_FILE = defineConfigFile({
  schema: FILE,
  compile: (value, file): FreshnessOptions =>
    Object.freeze({
      file,
      env: value.env,
      heartbeatIntervalMs: value.heartbeat_interval,
      reportEveryMs: value.report_every,
      sources: Object.freeze(
        value.sources.map((s) =>
          Object.freeze({
            topic: s.topic,
            type: typeOf(s.topic)!,
            env: s.env ?? value.env,
            defaults: Object.freeze({
              cadence: s.cadence,
              slackMs: s.slack,
              forgetAfterMs: s.forget_after ?? DEFAULTS.forgetAfterMs,
              weightsMaxAgeMs: s.weights_max_age ?? DEFAULTS.weightsMaxAgeMs,
              partial: s.partial ?? DEFAULTS.partial,
            }),
            overrides: Object.freeze(
              s.overrides.map((o) => Object.freeze({ key: o.key, settings: overrideSettings(o) })),
            ),
            ignore: Object.freeze(s.ignore),
          }),
        ),
      ),
    }),
  error: (file, problems) =>
    new ConfigError(problems, `the freshness configuration ${file} (format: processors/freshness/README.md)`),
  where,
  missingAt: 'contents',
  defaultFile: DEFAULT_FRESHNESS_FILE,
});

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export const parseFreshnessConfig = FRESHNESS_FILE.parse;

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export const loadFreshnessOptions = FRESHNESS_FILE.load;

/** `sources[2] (ingest.runs): overrides[0]: cadence: ` for a problem at `path`. */
function where(path: YamlPath, root: unknown): string {
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
