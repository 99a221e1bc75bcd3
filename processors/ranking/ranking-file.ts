/**
 * The precision@K configuration file: YAML, read once at start-up and validated in full. Every problem
 * (YAML syntax, unknown keys, wrong types, bad durations, a benchmark missing or given for nothing) is
 * listed in ONE ConfigError (TW_CONFIG_INVALID, exit 2), each with its file, line and column, the field,
 * what was found and what is accepted. See README.md in this folder for the format.
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
import { DURATION_FORMAT, parseDuration, parseDurationOrNever } from './durations.ts';
import {
  MAX_K,
  RELEVANCE_MODES,
  compileRankingOptions,
  type RankingOptions,
  type RankingSettings,
  type Relevance,
} from './options.ts';

/** The configuration shipped with tradewatch (the defaults, spelled out). */
export const DEFAULT_RANKING_FILE = fileURLToPath(new URL('./default-ranking.yaml', import.meta.url));

const VERSIONS = [1] as const;
const TOP_KEYS = [
  'version',
  'ks',
  'relevance',
  'label_delay',
  'deadline',
  'scored_memory',
  'rolling',
] as const;
const RELEVANCE_KEYS = ['mode', 'benchmark'] as const;
const ROLLING_KEYS = ['windows', 'grace'] as const;

const duration = z.unknown().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_FORMAT}, found ${found(value)}` });
    return z.NEVER;
  }
  return ms;
});

const deadline = z.unknown().transform((value, ctx): number | null => {
  const ms = parseDurationOrNever(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected ${DURATION_FORMAT}, or never, found ${found(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const positiveDuration = duration.refine((ms) => ms > 0, { error: 'a window must be longer than 0' });

const k = z
  .number({ error: (i) => `expected a whole number K ≥ 1, found ${found(i.input)}` })
  .int({ error: (i) => `expected a whole number K ≥ 1, found ${found(i.input)}` })
  .min(1, { error: (i) => `expected a whole number K ≥ 1, found ${found(i.input)}` })
  .max(MAX_K, { error: (i) => `expected K ≤ ${MAX_K}, found ${found(i.input)}` });

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export function parseRankingOptions(text: string, file: string): RankingOptions {
  return parseYamlConfig(text, file, {
    validate: (root, problems) => {
      const settings = validate(root, problems);
      if (problems.length > 0) return undefined;
      try {
        return compileRankingOptions(settings);
      } catch (e: unknown) {
        // Every check of the compiler is made above with a location; this is a backstop.
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems.map((message) => ({ path: [], message })));
        return undefined;
      }
    },
    where: (path) => (path.length > 0 ? `${path.join('.')}: ` : ''),
    error: (problems) => configError(file, problems),
  });
}

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export async function loadRankingOptions(file: string): Promise<RankingOptions> {
  return loadYamlConfig(file, parseRankingOptions, configError, DEFAULT_RANKING_FILE);
}

function configError(file: string, problems: readonly string[]): ConfigError {
  return new ConfigError(
    problems,
    `the precision@K configuration ${file} (format: processors/ranking/README.md)`,
  );
}

/**
 * Checks the list `raw[key]` (when present) item by item with `item`, and that no value repeats; returns
 * the parsed list when every item is valid, else undefined.
 */
function listField(
  raw: Record<string, unknown>,
  key: string,
  path: YamlPath,
  item: z.ZodType<number>,
  what: { readonly plural: string; readonly example: string; readonly repeated: (value: number) => string },
  problems: Problem[],
): number[] | undefined {
  const list = raw[key];
  if (list === undefined) return undefined;
  const here = [...path, key];
  if (!Array.isArray(list)) {
    problems.push({
      path: here,
      message: `expected a list of ${what.plural} (e.g. ${what.example}), found ${found(list)}`,
    });
    return undefined;
  }
  if (list.length === 0) {
    problems.push({
      path: here,
      message: `expected at least one of the ${what.plural} (e.g. ${what.example})`,
    });
    return undefined;
  }
  const before = problems.length;
  const values: number[] = [];
  list.forEach((value: unknown, i) => {
    const result = item.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push({ path: [...here, i], message: issue.message });
      return;
    }
    const parsed = result.data;
    if (values.includes(parsed)) problems.push({ path: [...here, i], message: what.repeated(parsed) });
    values.push(parsed);
  });
  return problems.length === before ? values : undefined;
}

function validate(root: unknown, problems: Problem[]): RankingSettings {
  if (root === null || root === undefined) return {}; // an empty file: every default
  if (!isRecord(root)) {
    problems.push({
      path: [],
      message: `expected a mapping of settings (ks, relevance, ...), found ${found(root)}`,
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
  const ks = listField(
    root,
    'ks',
    [],
    k,
    { plural: 'Ks', example: '[1, 5, 10]', repeated: (value) => `K ${value} is listed twice` },
    problems,
  );
  const settings: {
    -readonly [K in keyof RankingSettings]: RankingSettings[K];
  } = {
    ks,
    relevance: validateRelevance(root['relevance'], problems),
    labelDelayMs: field(root, 'label_delay', [], duration, problems),
    deadlineMs: field(root, 'deadline', [], deadline, problems),
    scoredMemoryMs: field(root, 'scored_memory', [], duration, problems),
  };
  const rolling = root['rolling'];
  if (rolling !== undefined) {
    if (!isRecord(rolling)) {
      problems.push({
        path: ['rolling'],
        message: `expected a mapping (windows, grace), found ${found(rolling)}`,
      });
    } else {
      unknownKeys(rolling, ROLLING_KEYS, ['rolling'], problems);
      const windows = listField(
        rolling,
        'windows',
        ['rolling'],
        positiveDuration,
        { plural: 'windows', example: '[7d, 30d]', repeated: () => 'this window is listed twice' },
        problems,
      );
      settings.rollingWindowsMs = windows;
      settings.rollingGraceMs = field(rolling, 'grace', ['rolling'], duration, problems);
    }
  }
  return settings;
}

function validateRelevance(raw: unknown, problems: Problem[]): Relevance | undefined {
  if (raw === undefined) return undefined;
  const path = ['relevance'];
  if (!isRecord(raw)) {
    problems.push({ path, message: `expected a mapping (mode, benchmark), found ${found(raw)}` });
    return undefined;
  }
  unknownKeys(raw, RELEVANCE_KEYS, path, problems);
  const mode = field(
    raw,
    'mode',
    path,
    z.enum(RELEVANCE_MODES, {
      error: (i) => `expected one of ${RELEVANCE_MODES.join(', ')}, found ${found(i.input)}`,
    }),
    problems,
  );
  const benchmark = field(
    raw,
    'benchmark',
    path,
    z
      .string({ error: (i) => `expected an asset symbol (e.g. BTC-USD), found ${found(i.input)}` })
      .min(1, { error: 'expected an asset symbol (e.g. BTC-USD), found an empty text' }),
    problems,
  );
  if (raw['mode'] === undefined) {
    problems.push({ path, message: `"mode" is missing: expected one of ${RELEVANCE_MODES.join(', ')}` });
    return undefined;
  }
  if (mode === 'above_benchmark') {
    if (raw['benchmark'] === undefined) {
      problems.push({ path: [...path, 'mode'], message: 'mode above_benchmark needs "benchmark: <asset>"' });
    }
    return benchmark === undefined ? undefined : { mode, benchmark };
  }
  if (mode !== undefined && raw['benchmark'] !== undefined) {
    problems.push({
      path: [...path, 'benchmark'],
      onKey: true,
      message: `a benchmark is only used with mode above_benchmark (mode is ${mode}): remove it or change the mode`,
    });
  }
  return mode === undefined ? undefined : { mode };
}
