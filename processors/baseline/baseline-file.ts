/**
 * The baseline configuration file: YAML, read once at start-up and validated in full by core's loader.
 * Every problem (YAML syntax, unknown keys, wrong types, bad durations, duplicate sums) is listed in ONE
 * ConfigError (TW_CONFIG_INVALID, exit 2), each with its file, line and column and what is accepted.
 * The format is in README.md in this folder.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  durationOrNever,
  found,
  loadYamlFile,
} from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { ENVIRONMENTS } from '../../schemas/index.ts';
import { displayPath } from '../../core/display-path.ts';
import {
  compileBaselineOptions,
  type BaselineOptions,
  type BaselineOverride,
  type BaselineSettings,
} from './options.ts';

/** The configuration shipped with tradewatch. */
export const DEFAULT_BASELINE_FILE = fileURLToPath(new URL('./default-baseline.yaml', import.meta.url));

const EXAMPLES = '500ms, 90s, 30m, 12h, 7d or 2w';

const positive = duration({ min: 1, message: durationProblem(' greater than 0') });
const nonNegative = duration({ message: durationProblem('') });

function durationProblem(min: string): (input: unknown) => string {
  return (input) =>
    `expected a duration (${EXAMPLES})${min}, found ${found(input)}` +
    (typeof input === 'number' ? `: give the unit (e.g. ${input}ms or ${input}d)` : '');
}

const wholeProblem = (i: { input: unknown }) => `expected a whole number ≥ 1, found ${found(i.input)}`;
const nonNegativeProblem = (i: { input: unknown }) => `expected a number ≥ 0, found ${found(i.input)}`;

/** The settings, by their key in the file. */
const SETTINGS = {
  half_life: positive.optional(),
  min_observations: z
    .number({ error: wholeProblem })
    .refine(Number.isInteger, { error: wholeProblem })
    .min(1, { error: wholeProblem })
    .optional(),
  window: durationOrNever({
    min: 1,
    message: (input) =>
      `expected a duration (${EXAMPLES}), or null for no trailing window, found ${found(input)}`,
  }).optional(),
  window_bucket: positive.optional(),
  grace: nonNegative.optional(),
  min_std: z.number({ error: nonNegativeProblem }).min(0, { error: nonNegativeProblem }).optional(),
};
const SETTING_KEYS = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];

/** Their keys in {@link BaselineSettings}. */
const OPTION_OF = {
  half_life: 'halfLifeMs',
  min_observations: 'minObservations',
  window: 'windowMs',
  window_bucket: 'windowBucketMs',
  grace: 'graceMs',
  min_std: 'minStd',
} as const satisfies Record<keyof typeof SETTINGS, keyof BaselineSettings>;

/** A metric name; `missing`: the problem when it is not given. */
const metricName = (missing = '') =>
  z
    .string({
      error: (i) => (i.input === undefined ? missing : `expected a metric name, found ${found(i.input)}`),
    })
    .regex(/^[a-z][a-z0-9_]*$/, {
      error: (i) => `expected a metric name in snake_case (e.g. realized_pnl_1d), found ${found(i.input)}`,
    });

const mapping = (what: string) => ({
  error: (i: z.core.$ZodRawIssue) =>
    i.code === 'invalid_type' ? `expected a mapping (${what}), found ${found(i.input)}` : undefined,
});
const list = { error: (i: { input: unknown }) => `expected a list, found ${found(i.input)}` };

const OVERRIDE = crossCheck(
  z.strictObject(
    {
      metric: metricName().optional(),
      strategy: z
        .string({ error: (i) => `expected a strategy name (text), found ${found(i.input)}` })
        .min(1, { error: 'must not be empty' })
        .optional(),
      env: z.enum(ENVIRONMENTS).optional(),
      ...SETTINGS,
    },
    mapping('metric, strategy, env and settings'),
  ),
  (override, report) => {
    if (!SETTING_KEYS.some((k) => override[k] !== undefined)) {
      report([], `sets nothing: give at least one of ${SETTING_KEYS.join(', ')}`);
    }
  },
);

const SUM = z.strictObject(
  {
    metric: metricName('"metric" is missing (e.g. metric: strategy_realized_pnl)'),
    as: metricName('"as" is missing (e.g. as: realized_pnl_1d)'),
    window: positive.optional(),
    grace: nonNegative.optional(),
  },
  mapping('metric, as, window, grace'),
);

const FILE = crossCheck(
  z
    .strictObject(
      {
        version: z.literal(1).optional(),
        defaults: z.strictObject(SETTINGS, mapping(`of settings (${SETTING_KEYS.join(', ')})`)).optional(),
        overrides: z.array(OVERRIDE, list).optional(),
        sums: z.array(SUM, list).optional(),
      },
      mapping('defaults, overrides, sums'),
    )
    .nullable(), // an empty file: every default
  (file, report, valid) => {
    if (!Array.isArray(file?.sums)) return;
    const firstOf = { metric: new Map<string, number>(), as: new Map<string, number>() };
    file.sums.forEach((sum, i) => {
      for (const key of ['metric', 'as'] as const) {
        if (!valid('sums', i, key)) continue;
        const name = sum[key];
        const first = firstOf[key].get(name);
        if (first === undefined) firstOf[key].set(name, i);
        else report(['sums', i, key], `sums[${first}] has the same ${key} "${name}"; each must be unique`);
      }
    });
  },
);

/** The settings given, under their option names. */
function settingsOf(raw: Partial<Record<keyof typeof SETTINGS, unknown>>): BaselineSettings {
  // `window: null` is a value (no trailing window), not an absence.
  return Object.fromEntries(
    SETTING_KEYS.filter((k) => raw[k] !== undefined).map((k) => [OPTION_OF[k], raw[k]]),
  );
}

const BASELINE_FILE = defineConfigFile({
  schema: FILE,
  compile: (value): BaselineOptions => {
    const options: BaselineOptions = {
      ...(value?.defaults === undefined ? {} : { defaults: settingsOf(value.defaults) }),
      ...(value?.overrides === undefined
        ? {}
        : {
            overrides: value.overrides.map((o): BaselineOverride => ({
              ...settingsOf(o),
              ...(o.metric === undefined ? {} : { metric: o.metric }),
              ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
              ...(o.env === undefined ? {} : { env: o.env }),
            })),
          }),
      ...(value?.sums === undefined
        ? {}
        : {
            sums: value.sums.map((s) => ({
              metric: s.metric,
              as: s.as,
              ...(s.window === undefined ? {} : { windowMs: s.window }),
              ...(s.grace === undefined ? {} : { graceMs: s.grace }),
            })),
          }),
    };
    // Checks nothing the file validation did not, but guarantees the processor accepts what we return.
    compileBaselineOptions(options);
    return options;
  },
  error: (file, problems) =>
    new ConfigError(problems, `the baseline configuration ${file} (format: processors/baseline/README.md)`),
});

/**
 * Parses and validates a baseline file's text. Pure: `file` only names the file in messages.
 * @throws ConfigError listing every problem.
 */
export const parseBaselineOptions = BASELINE_FILE.parse;

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
