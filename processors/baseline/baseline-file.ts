/**
 * The baseline configuration file: YAML, read once at start-up and validated in full. Every problem
 * (YAML syntax, unknown keys, wrong types, bad durations, duplicate sums) is listed in ONE ConfigError
 * (TW_CONFIG_INVALID, exit 2), each with its file, line and column and what is accepted. The format is
 * in README.md in this folder.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import {
  found,
  isRecord,
  parseYamlConfig,
  loadYamlFile,
  unknownKeys,
  type YamlPath,
  type YamlProblem,
} from '../../runtime/yaml-file.ts';
import { ENVIRONMENTS } from '../../schemas/index.ts';
import { displayPath } from '../../schemas/display-path.ts';
import { DURATION_EXAMPLES, parseDuration } from './duration.ts';
import {
  compileBaselineOptions,
  type BaselineOptions,
  type BaselineOverride,
  type BaselineSettings,
  type WindowSum,
} from './options.ts';

/** The configuration shipped with tradewatch. */
export const DEFAULT_BASELINE_FILE = fileURLToPath(new URL('./default-baseline.yaml', import.meta.url));

const VERSIONS = [1] as const;
const TOP_KEYS = ['version', 'defaults', 'overrides', 'sums'] as const;

/** The settings' keys in the file and in {@link BaselineSettings}. */
const SETTINGS = {
  half_life: 'halfLifeMs',
  min_observations: 'minObservations',
  window: 'windowMs',
  window_bucket: 'windowBucketMs',
  grace: 'graceMs',
  min_std: 'minStd',
} as const satisfies Record<string, keyof BaselineSettings>;
type SettingKey = keyof typeof SETTINGS;
const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
const SELECTOR_KEYS = ['metric', 'strategy', 'env'] as const;
const SUM_KEYS = ['metric', 'as', 'window', 'grace'] as const;

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

function duration(min: number): z.ZodType<number> {
  const expected = `expected a duration (${DURATION_EXAMPLES})${min > 0 ? ' greater than 0' : ''}`;
  return z
    .string({
      error: (i) =>
        typeof i.input === 'number'
          ? `${expected}, found ${found(i.input)}: give the unit (e.g. ${i.input}ms or ${i.input}d)`
          : `${expected}, found ${found(i.input)}`,
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < min) {
        ctx.addIssue({ code: 'custom', message: `${expected}, found ${found(text)}` });
        return z.NEVER;
      }
      return ms;
    });
}

const metricName = z
  .string({ error: (i) => `expected a metric name, found ${found(i.input)}` })
  .regex(METRIC_NAME, {
    error: (i) => `expected a metric name in snake_case (e.g. realized_pnl_1d), found ${found(i.input)}`,
  });

/** The schema of each field, by the key it has in the file. */
const FIELDS: Record<SettingKey | (typeof SELECTOR_KEYS)[number] | 'as', z.ZodType> = {
  half_life: duration(1),
  min_observations: z
    .number({ error: (i) => `expected a whole number ≥ 1, found ${found(i.input)}` })
    .int({ error: (i) => `expected a whole number ≥ 1, found ${found(i.input)}` })
    .min(1, { error: (i) => `expected a whole number ≥ 1, found ${found(i.input)}` }),
  window: z.union([z.null(), duration(1)], {
    error: (i) =>
      `expected a duration (${DURATION_EXAMPLES}), or null for no trailing window, found ${found(i.input)}`,
  }),
  window_bucket: duration(1),
  grace: duration(0),
  min_std: z
    .number({ error: (i) => `expected a number ≥ 0, found ${found(i.input)}` })
    .min(0, { error: (i) => `expected a number ≥ 0, found ${found(i.input)}` }),
  metric: metricName,
  as: metricName,
  strategy: z
    .string({ error: (i) => `expected a strategy name (text), found ${found(i.input)}` })
    .min(1, { error: 'must not be empty' }),
  env: z.enum(ENVIRONMENTS, {
    error: (i) => `expected one of ${ENVIRONMENTS.join(', ')}, found ${found(i.input)}`,
  }),
};

/**
 * Parses and validates a baseline file's text. Pure: `file` only names the file in messages.
 * @throws ConfigError listing every problem.
 */
export function parseBaselineOptions(text: string, file: string): BaselineOptions {
  const options = parseYamlConfig(text, file, {
    validate,
    where: (path) => (path.length > 0 ? `${showPath(path)}: ` : ''),
    error: (problems) => fileError(file, problems),
  });
  // Checks nothing the file validation did not, but guarantees the processor accepts what we return.
  compileBaselineOptions(options);
  return options;
}

/**
 * Reads and validates a baseline file.
 * @throws ConfigError when it cannot be read or is invalid (every problem listed).
 */
export async function loadBaselineOptions(file: string): Promise<BaselineOptions> {
  return loadYamlFile(
    file,
    parseBaselineOptions,
    (shown, reason) =>
      new ConfigError(
        [
          `cannot read ${shown}: ${reason}. Check the path ` +
            `(the default configuration is ${displayPath(DEFAULT_BASELINE_FILE)}).`,
        ],
        'the baseline configuration',
      ),
  );
}

function fileError(file: string, problems: readonly string[]): ConfigError {
  return new ConfigError(
    problems,
    `the baseline configuration ${file} (format: processors/baseline/README.md)`,
  );
}

/** `overrides[2].half_life` */
function showPath(path: YamlPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function validate(root: unknown, problems: YamlProblem[]): BaselineOptions {
  if (root === null || root === undefined) return {}; // an empty file: every default
  if (!isRecord(root)) {
    problems.push({
      path: [],
      message: `expected a mapping (defaults, overrides, sums), found ${found(root)}`,
    });
    return {};
  }
  unknownKeys(root, TOP_KEYS, [], problems);
  if (root['version'] !== undefined && !(VERSIONS as readonly unknown[]).includes(root['version'])) {
    problems.push({
      path: ['version'],
      message: `expected ${VERSIONS.join(' or ')}, found ${found(root['version'])}`,
    });
  }
  const options: { defaults?: BaselineSettings; overrides?: BaselineOverride[]; sums?: WindowSum[] } = {};

  if (root['defaults'] !== undefined) {
    const raw = root['defaults'];
    if (!isRecord(raw)) {
      problems.push({
        path: ['defaults'],
        message: `expected a mapping of settings (${SETTING_KEYS.join(', ')}), found ${found(raw)}`,
      });
    } else {
      unknownKeys(raw, SETTING_KEYS, ['defaults'], problems);
      options.defaults = settingsOf(raw, ['defaults'], problems);
    }
  }

  const overrides = listOf(root, 'overrides', problems);
  if (overrides !== undefined) {
    options.overrides = [];
    overrides.forEach((raw, i) => {
      const at: YamlPath = ['overrides', i];
      if (!isRecord(raw)) {
        problems.push({
          path: at,
          message: `expected a mapping (metric, strategy, env and settings), found ${found(raw)}`,
        });
        return;
      }
      unknownKeys(raw, [...SELECTOR_KEYS, ...SETTING_KEYS], at, problems);
      const override: Record<string, unknown> = { ...settingsOf(raw, at, problems) };
      for (const key of SELECTOR_KEYS) {
        const value = field(raw, key, at, problems);
        if (value !== undefined) override[key] = value;
      }
      if (!SETTING_KEYS.some((k) => raw[k] !== undefined)) {
        problems.push({
          path: at,
          message: `sets nothing: give at least one of ${SETTING_KEYS.join(', ')}`,
        });
      }
      options.overrides?.push(override);
    });
  }

  const sums = listOf(root, 'sums', problems);
  if (sums !== undefined) {
    options.sums = [];
    const firstOf = { metric: new Map<string, number>(), as: new Map<string, number>() };
    sums.forEach((raw, i) => {
      const at: YamlPath = ['sums', i];
      if (!isRecord(raw)) {
        problems.push({
          path: at,
          message: `expected a mapping (metric, as, window, grace), found ${found(raw)}`,
        });
        return;
      }
      unknownKeys(raw, SUM_KEYS, at, problems);
      for (const key of ['metric', 'as'] as const) {
        if (raw[key] === undefined) {
          problems.push({
            path: at,
            message: `"${key}" is missing (e.g. ${key === 'metric' ? 'metric: strategy_realized_pnl' : 'as: realized_pnl_1d'})`,
          });
        }
      }
      const metric = field(raw, 'metric', at, problems) as string | undefined;
      const as = field(raw, 'as', at, problems) as string | undefined;
      for (const [key, name] of [
        ['metric', metric],
        ['as', as],
      ] as const) {
        if (name === undefined) continue;
        const first = firstOf[key].get(name);
        if (first === undefined) firstOf[key].set(name, i);
        else {
          problems.push({
            path: [...at, key],
            message: `sums[${first}] has the same ${key} "${name}"; each must be unique`,
          });
        }
      }
      const windowMs = field(raw, 'window', at, problems, duration(1));
      const graceMs = field(raw, 'grace', at, problems);
      if (metric === undefined || as === undefined) return;
      options.sums?.push({
        metric,
        as,
        ...(typeof windowMs === 'number' ? { windowMs } : {}),
        ...(typeof graceMs === 'number' ? { graceMs } : {}),
      });
    });
  }
  return options;
}

function listOf(root: Record<string, unknown>, key: string, problems: YamlProblem[]): unknown[] | undefined {
  const raw = root[key];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return raw as unknown[];
  problems.push({ path: [key], message: `expected a list, found ${found(raw)}` });
  return undefined;
}

/** The settings present in `raw`, each validated. */
function settingsOf(raw: Record<string, unknown>, at: YamlPath, problems: YamlProblem[]): BaselineSettings {
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = field(raw, key, at, problems);
    // `window: null` is a value (no trailing window), not an absence.
    if (value !== undefined) settings[SETTINGS[key]] = value;
  }
  return settings;
}

/** The validated value of `raw[key]` (undefined when absent or invalid, with the problem recorded). */
function field(
  raw: Record<string, unknown>,
  key: keyof typeof FIELDS,
  at: YamlPath,
  problems: YamlProblem[],
  schema: z.ZodType = FIELDS[key],
): unknown {
  if (raw[key] === undefined) return undefined;
  const result = schema.safeParse(raw[key]);
  if (result.success) return result.data;
  for (const issue of result.error.issues) problems.push({ path: [...at, key], message: issue.message });
  return undefined;
}
