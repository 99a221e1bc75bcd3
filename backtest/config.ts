/**
 * The BacktestConfig, version 2: YAML or JSON (JSON is YAML), validated in full by core's loader: every
 * problem at once in ONE TW_BACKTEST_INVALID error, each with file:line:col, the field, what was found
 * and what is accepted. Its JSON Schema, for editors, is `config.schema.json`. Format (README.md):
 *
 * ```yaml
 * version: 2
 * id: momentum-blend-2025
 * strategy: momentum          # whose cycles supply the model score and the rebalance times
 * env: prod                   # prod, staging or paper
 * from: 2025-01-01T00:00:00Z  # inclusive
 * to: 2026-01-01T00:00:00Z    # exclusive
 * horizon: 1h                 # the cycles' and outcomes' horizon_ms
 * universe: all               # or a list of assets (default all)
 * factors:                    # the combined score: Σ weight × the factor's cross-sectional z-score
 *   - { name: model_score, weight: 1.0 }
 *   - { name: signal:github.commit_velocity, weight: 0.3, max_age: 7d }
 * selection: { k: 10, weighting: equal }   # equal (1/k) or score (∝ the positive combined scores)
 * costs: { fee_bps: 10, slippage_bps: 5 }  # default 0 and 0
 * initial_equity: 1000000                  # default 1000000
 * metrics: { ks: [1, 5, 10], relevance: top_k }   # top_k, positive or { mode: above_benchmark, benchmark: BTC-USD }
 * monitoring: { rules: processors/rules/default-rules.yaml }  # optional
 * slice: { every: 30d }                    # optional: time slices for workers (default: one)
 * seed: 0                                  # optional, recorded in the manifest
 * ```
 *
 * A version 1 file (a request for `backtest enqueue`, backtest/request.ts) is refused here with the way
 * to convert it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  found,
  invalidFileError,
  isRecord,
  loadYamlFile,
  parseYaml,
  unreadableFileError,
} from '../core/config-file/index.ts';
import { MAX_K, type Relevance } from '../processors/ranking/options.ts';
import { canonicalJson } from './request.ts';

/** A factor of the combined score. */
export type Factor =
  | { readonly kind: 'model_score'; readonly name: 'model_score'; readonly weight: number }
  | {
      readonly kind: 'signal';
      /** `signal:<source>.<name>`. */
      readonly name: string;
      readonly source: string;
      readonly signal: string;
      readonly weight: number;
      /** The oldest value used, in ms (null: any age). */
      readonly maxAgeMs: number | null;
    };

/** A validated config; times in epoch ms. */
export interface BacktestConfig {
  readonly id: string;
  readonly strategy: string;
  readonly env: 'prod' | 'staging' | 'paper';
  readonly from: number;
  readonly to: number;
  readonly horizonMs: number;
  /** null: every asset. */
  readonly universe: readonly string[] | null;
  readonly factors: readonly Factor[];
  readonly k: number;
  readonly weighting: 'equal' | 'score';
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly initialEquity: number;
  /** Ascending, distinct. */
  readonly ks: readonly number[];
  readonly relevance: Relevance;
  /** The rules file replayed (null: no monitoring replay). */
  readonly rulesFile: string | null;
  /** Length of a time slice (the whole period when not sliced). */
  readonly sliceMs: number;
  readonly seed: number;
  /** The config as run, normalized (snake_case, defaults applied): what the digest is of. */
  readonly normalized: Readonly<Record<string, unknown>>;
  /** SHA-256 (hex) of the canonical JSON of `normalized`. */
  readonly digest: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const time = () =>
  z
    .string({
      error: (i) => `expected an ISO-8601 time with a zone (2025-01-01T00:00:00Z), found ${found(i.input)}`,
    })
    .regex(TIME, {
      error: (i) =>
        `expected an ISO-8601 date or time with a zone (2025-01-01 or 2025-01-01T00:00:00Z), found ${found(i.input)}`,
    })
    .transform((v) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));

const SIGNAL_FACTOR = /^signal:([a-z0-9_]+)\.([A-Za-z0-9_.]+)$/;
const number = (what: string) => z.number({ error: (i) => `expected ${what}, found ${found(i.input)}` });
const nonNegative = (what: string) =>
  number(what).min(0, { error: (i) => `expected ${what}, found ${found(i.input)}` });
const wholeK = number('a whole number K ≥ 1')
  .refine(Number.isInteger, { error: (i) => `expected a whole number K ≥ 1, found ${found(i.input)}` })
  .min(1, { error: (i) => `expected a whole number K ≥ 1, found ${found(i.input)}` })
  .max(MAX_K, { error: (i) => `expected K ≤ ${MAX_K}, found ${found(i.input)}` });

const FACTOR = z.strictObject({
  name: z
    .string({ error: (i) => `expected model_score or signal:<source>.<name>, found ${found(i.input)}` })
    .refine((v) => v === 'model_score' || SIGNAL_FACTOR.test(v), {
      error: (i) =>
        `expected model_score or signal:<source>.<name> (e.g. signal:github.commit_velocity), found ${found(i.input)}`,
    }),
  weight: number('a number (the factor’s weight)').refine(Number.isFinite),
  max_age: duration({ unitless: true, min: 1 }).optional(),
});

const RELEVANCE = z.union(
  [
    z.enum(['top_k', 'positive']),
    z.strictObject({ mode: z.literal('above_benchmark'), benchmark: z.string().min(1) }),
  ],
  {
    error: (i) =>
      `expected top_k, positive or { mode: above_benchmark, benchmark: <asset> }, found ${found(i.input)}`,
  },
);

const CONFIG = z
  .strictObject({
    version: z.literal(2, { error: (i) => `expected 2, found ${found(i.input)}` }),
    id: z
      .string({ error: (i) => `expected a backtest id, found ${found(i.input)}` })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
        error: (i) =>
          `expected 1 to 100 letters, digits, ".", "_" and "-" starting with a letter or digit, found ${found(i.input)}`,
      }),
    strategy: z.string({ error: (i) => `expected a strategy name, found ${found(i.input)}` }).min(1),
    env: z.enum(['prod', 'staging', 'paper'], {
      error: (i) => `expected prod, staging or paper, found ${found(i.input)}`,
    }),
    from: time(),
    to: time(),
    horizon: duration({ unitless: true, min: 1 }),
    universe: z
      .union([z.literal('all'), z.array(z.string().min(1)).min(1)], {
        error: (i) => `expected all or a list of asset symbols, found ${found(i.input)}`,
      })
      .default('all'),
    factors: z
      .array(FACTOR, {
        error: (i) => `expected a list of factors ({ name, weight }), found ${found(i.input)}`,
      })
      .min(1, { error: 'expected at least one factor (e.g. { name: model_score, weight: 1 })' }),
    selection: z.strictObject({
      k: wholeK,
      weighting: z
        .enum(['equal', 'score'], { error: (i) => `expected equal or score, found ${found(i.input)}` })
        .default('equal'),
    }),
    costs: z
      .strictObject({
        fee_bps: nonNegative('a number of basis points ≥ 0').default(0),
        slippage_bps: nonNegative('a number of basis points ≥ 0').default(0),
      })
      .default({ fee_bps: 0, slippage_bps: 0 }),
    initial_equity: number('a positive number')
      .positive({ error: (i) => `expected a positive number, found ${found(i.input)}` })
      .default(1_000_000),
    metrics: z
      .strictObject({
        ks: z.array(wholeK).min(1).default([1, 5, 10]),
        relevance: RELEVANCE.default('top_k'),
      })
      .default({ ks: [1, 5, 10], relevance: 'top_k' }),
    monitoring: z.strictObject({ rules: z.string().min(1) }).optional(),
    slice: z.strictObject({ every: duration({ unitless: true, min: 1 }).optional() }).default({}),
    seed: number('a whole number').int().default(0),
  })
  .meta({
    title: 'tradewatch backtest config (version 2)',
    description: 'A backtest (tradewatch backtest run). Format: backtest/config.ts, backtest/README.md.',
  });

type Config = z.output<typeof CONFIG>;

const CHECKED = crossCheck(CONFIG, (c, report, valid) => {
  if (valid('from') && valid('to') && c.to <= c.from) {
    report(
      ['to'],
      `must be after from (${new Date(c.from).toISOString()}), found ${new Date(c.to).toISOString()}`,
    );
  }
  if (valid('universe') && Array.isArray(c.universe)) {
    const dup = c.universe.find((a, i) => c.universe.indexOf(a) !== i);
    if (dup !== undefined) report(['universe'], `lists ${found(dup)} more than once`);
  }
  if (valid('factors')) {
    c.factors.forEach((f, i) => {
      if (c.factors.findIndex((g) => g.name === f.name) !== i)
        report(['factors', i, 'name'], `${f.name} is listed twice`);
      if (f.name === 'model_score' && f.max_age !== undefined) {
        report(['factors', i, 'max_age'], 'max_age applies to signal factors only: remove it', {
          onKey: true,
        });
      }
    });
  }
  if (valid('metrics') && new Set(c.metrics.ks).size !== c.metrics.ks.length) {
    report(['metrics', 'ks'], `lists a K twice: ${c.metrics.ks.join(', ')}`);
  }
});

function compile(c: Config): BacktestConfig {
  const factors: Factor[] = c.factors.map((f) => {
    if (f.name === 'model_score') return { kind: 'model_score', name: 'model_score', weight: f.weight };
    const [, source, signal] = SIGNAL_FACTOR.exec(f.name)!;
    return {
      kind: 'signal',
      name: f.name,
      source: source!,
      signal: signal!,
      weight: f.weight,
      maxAgeMs: f.max_age ?? null,
    };
  });
  const relevance: Relevance =
    typeof c.metrics.relevance === 'string' ? { mode: c.metrics.relevance } : c.metrics.relevance;
  const ks = [...c.metrics.ks].sort((a, b) => a - b);
  const sliceMs = c.slice.every ?? c.to - c.from;
  // A valid version 2 config itself (durations in ms): what the manifest records and `verify` re-runs.
  const normalized = {
    version: 2,
    id: c.id,
    strategy: c.strategy,
    env: c.env,
    from: new Date(c.from).toISOString(),
    to: new Date(c.to).toISOString(),
    horizon: c.horizon,
    universe: c.universe,
    factors: factors.map((f) =>
      f.kind === 'signal' && f.maxAgeMs !== null
        ? { name: f.name, weight: f.weight, max_age: f.maxAgeMs }
        : { name: f.name, weight: f.weight },
    ),
    selection: { k: c.selection.k, weighting: c.selection.weighting },
    costs: { fee_bps: c.costs.fee_bps, slippage_bps: c.costs.slippage_bps },
    initial_equity: c.initial_equity,
    metrics: { ks, relevance: c.metrics.relevance },
    ...(c.monitoring === undefined ? {} : { monitoring: { rules: c.monitoring.rules } }),
    slice: { every: sliceMs },
    seed: c.seed,
  };
  return Object.freeze({
    id: c.id,
    strategy: c.strategy,
    env: c.env,
    from: c.from,
    to: c.to,
    horizonMs: c.horizon,
    universe: c.universe === 'all' ? null : [...c.universe],
    factors,
    k: c.selection.k,
    weighting: c.selection.weighting,
    feeBps: c.costs.fee_bps,
    slippageBps: c.costs.slippage_bps,
    initialEquity: c.initial_equity,
    ks,
    relevance,
    rulesFile: c.monitoring?.rules ?? null,
    sliceMs,
    seed: c.seed,
    normalized,
    digest: createHash('sha256').update(canonicalJson(normalized)).digest('hex'),
  });
}

const CONFIG_FILE = defineConfigFile({
  schema: CHECKED,
  compile,
  error: (file, problems) =>
    invalidFileError(
      'TW_BACKTEST_INVALID',
      'the backtest config',
      file,
      problems,
      'Fix the config above (format: backtest/README.md, backtest/config.ts) and try again.',
    ),
  missingAt: 'contents',
  missingKeys: 'key',
});

/** How to turn a version 1 request into a version 2 config. */
export const CONVERT_V1 =
  'this is a version 1 backtest request (the format of `backtest enqueue`, backtest/request.ts); ' +
  '`backtest run` takes a version 2 config: set `version: 2` and add env, horizon, factors ' +
  '(e.g. [{ name: model_score, weight: 1 }]) and selection ({ k: 10 }); keep id, strategy, from, to, ' +
  'universe and initial_equity; drop warmup, slice.assets and parameters (slices are by time only). ' +
  'Format: backtest/README.md.';

/**
 * Parses and validates a config's text (YAML or JSON). Pure: `file` only names the file in messages.
 * @throws TradewatchError TW_BACKTEST_INVALID listing every problem (or how to convert a version 1 request).
 */
export function parseBacktestConfig(text: string, file: string): BacktestConfig {
  const parsed = parseYaml(text, file);
  if ('parsed' in parsed && isRecord(parsed.parsed.root) && parsed.parsed.root.version !== 2) {
    const version = parsed.parsed.root.version;
    if (version === undefined || version === 1) {
      throw invalidFileError(
        'TW_BACKTEST_INVALID',
        'the backtest config',
        file,
        [`${file}: ${CONVERT_V1}`],
        '',
      );
    }
  }
  return CONFIG_FILE.parse(text, file);
}

/** The JSON Schema of config files, for editors (committed as config.schema.json). */
export const backtestConfigJsonSchema = CONFIG_FILE.jsonSchema;

/**
 * Reads and validates a config file.
 * @throws TradewatchError TW_BACKTEST_INVALID when it cannot be read or is invalid.
 */
export async function loadBacktestConfig(file: string): Promise<BacktestConfig> {
  return loadYamlFile(
    file,
    parseBacktestConfig,
    unreadableFileError('TW_BACKTEST_INVALID', 'the backtest config'),
  );
}
