/**
 * A backtest request: YAML, validated in full. Every problem (YAML syntax, unknown keys, wrong types,
 * a period that ends before it starts, too many slices) is listed in ONE TW_BACKTEST_INVALID error,
 * each with the file, line and column, the field, what was found and what is accepted. Format:
 *
 * ```yaml
 * version: 1                      # optional; 1 is the only version
 * id: momentum-2025q1             # required: the backtest id (letters, digits, . _ -)
 * strategy: momentum              # required
 * from: 2025-01-01T00:00:00Z      # required: start of the evaluation period (inclusive), with a zone
 * to: 2025-04-01T00:00:00Z        # required: end (exclusive)
 * universe: [BTC-USD, ETH-USD]    # required: the assets, at least one, no duplicates
 * initial_equity: 1000000         # optional, default 1000000
 * warmup: 30d                     # optional, default 0: history loaded before each slice's start
 * slice:                          # optional: how the request is split into tasks
 *   every: 7d                     #   time slices of this length (default: the whole period)
 *   assets: 10                    #   at most this many assets per task (default: the whole universe)
 * parameters: { lookback: 20 }    # optional: strategy parameters, passed through as JSON
 * ```
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TradewatchError } from '../runtime/errors.ts';
import {
  invalidFileError,
  parseYamlConfig,
  loadYamlFile,
  unreadableFileError,
  unknownKey,
  type YamlPath,
  type YamlProblem,
} from '../runtime/yaml-file.ts';
import { renderValue } from '../schemas/problems.ts';
import { DURATION_FORMS, parseDuration } from '../scheduler/duration.ts';

/** A validated request; times in epoch ms. */
export interface BacktestRequest {
  readonly id: string;
  readonly strategy: string;
  readonly from: number;
  readonly to: number;
  readonly universe: readonly string[];
  readonly initialEquity: number;
  readonly warmupMs: number;
  /** Length of a time slice (the whole period when not split by time). */
  readonly sliceMs: number;
  /** Assets per task (the whole universe when not split by asset). */
  readonly assetsPerSlice: number;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** SHA-256 (hex) of the normalized request. */
  readonly digest: string;
}

/** The most tasks one request may give. */
export const MAX_SLICES = 10_000;

const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const timeSchema = z.union([z.string(), z.date()]).transform((v, ctx) => {
  // YAML turns an unquoted 2025-01-01 into a Date already.
  if (v instanceof Date) return v.getTime();
  if (!TIME.test(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an ISO-8601 date or time with a zone (2025-01-01 or 2025-01-01T00:00:00Z), found ${renderValue(v)}`,
    });
    return z.NEVER;
  }
  return Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
});
const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration, ${DURATION_FORMS}; found ${renderValue(v)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const schema = z.strictObject({
  version: z.literal(1, { error: (i) => `expected 1, found ${renderValue(i.input)}` }).optional(),
  id: z
    .string({ error: (i) => `expected a backtest id, found ${renderValue(i.input)}` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
      error: (i) =>
        `expected 1 to 100 letters, digits, ".", "_" and "-" starting with a letter or digit, found ${renderValue(i.input)}`,
    }),
  strategy: z.string({ error: (i) => `expected a strategy name, found ${renderValue(i.input)}` }).min(1),
  from: timeSchema,
  to: timeSchema,
  universe: z
    .array(z.string({ error: (i) => `expected an asset symbol, found ${renderValue(i.input)}` }).min(1), {
      error: (i) => `expected a list of asset symbols, found ${renderValue(i.input)}`,
    })
    .min(1, { error: 'expected at least one asset' }),
  initial_equity: z
    .number({ error: (i) => `expected a positive number, found ${renderValue(i.input)}` })
    .positive()
    .default(1_000_000),
  warmup: durationSchema.default(0),
  slice: z
    .strictObject({
      every: durationSchema.optional(),
      assets: z
        .number({ error: (i) => `expected a whole number >= 1, found ${renderValue(i.input)}` })
        .int()
        .min(1)
        .optional(),
    })
    .default({}),
  parameters: z
    .record(z.string(), z.unknown(), { error: (i) => `expected a mapping, found ${renderValue(i.input)}` })
    .default({}),
});

const TOP_KEYS = Object.keys(schema.shape);

/**
 * Parses and validates a request's text. Pure: `file` only names the file in messages.
 * @throws TradewatchError TW_BACKTEST_INVALID listing every problem.
 */
export function parseBacktestRequest(textContent: string, file: string): BacktestRequest {
  return parseYamlConfig(textContent, file, {
    validate,
    where: (path) => (path.length === 0 ? '' : `${path.join('.')}: `),
    error: (problems) => invalid(file, problems),
    missingAt: 'contents',
  });
}

function validate(raw: unknown, problems: YamlProblem[]): BacktestRequest | undefined {
  const result = schema.safeParse(raw ?? undefined, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') {
        const known = issue.path.length === 0 ? TOP_KEYS : ['every', 'assets'];
        for (const key of issue.keys) {
          problems.push({ path: [...path, key], onKey: true, message: unknownKey(key, known) });
        }
      } else {
        const missing = 'input' in issue && issue.input === undefined;
        problems.push({ path, message: missing ? 'is missing' : issue.message });
      }
    }
    return undefined;
  }
  const r = result.data;
  const located = (path: YamlPath, message: string): void => void problems.push({ path, message });
  if (r.to <= r.from) {
    located(
      ['to'],
      `must be after from (${new Date(r.from).toISOString()}), found ${new Date(r.to).toISOString()}`,
    );
  }
  if (new Set(r.universe).size !== r.universe.length) {
    const dup = r.universe.find((a, i) => r.universe.indexOf(a) !== i);
    located(['universe'], `lists ${renderValue(dup)} more than once`);
  }
  const period = Math.max(1, r.to - r.from);
  const sliceMs = r.slice.every ?? period;
  if (sliceMs <= 0) located(['slice', 'every'], 'must be longer than 0');
  const assetsPerSlice = r.slice.assets ?? r.universe.length;
  const slices = Math.ceil(period / Math.max(1, sliceMs)) * Math.ceil(r.universe.length / assetsPerSlice);
  if (slices > MAX_SLICES) {
    located(
      ['slice'],
      `gives ${slices} tasks, more than ${MAX_SLICES}: use longer time slices or more assets per task`,
    );
  }
  if (problems.length > 0) return undefined;
  const normalized = {
    id: r.id,
    strategy: r.strategy,
    from: r.from,
    to: r.to,
    universe: r.universe,
    initialEquity: r.initial_equity,
    warmupMs: r.warmup,
    sliceMs,
    assetsPerSlice,
    parameters: r.parameters,
  };
  const digest = createHash('sha256').update(canonicalJson(normalized)).digest('hex');
  return Object.freeze({ ...normalized, digest });
}

/**
 * Reads and validates a request file.
 * @throws TradewatchError TW_BACKTEST_INVALID when it cannot be read or is invalid.
 */
export async function loadBacktestRequest(file: string): Promise<BacktestRequest> {
  return loadYamlFile(
    file,
    parseBacktestRequest,
    unreadableFileError('TW_BACKTEST_INVALID', 'the backtest request'),
  );
}

function invalid(file: string, problems: readonly string[]): TradewatchError {
  return invalidFileError(
    'TW_BACKTEST_INVALID',
    'the backtest request',
    file,
    problems,
    'Fix the request above (format: backtest/request.ts, scheduler/README.md) and try again.',
  );
}

/** JSON with object keys sorted, so that equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
