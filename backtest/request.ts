/**
 * A backtest request: YAML, validated in full by core's loader. Every problem (YAML syntax, unknown
 * keys, wrong types, a period that ends before it starts, too many slices) is listed at once in ONE
 * TW_BACKTEST_INVALID error, each with the file, line and column, the field, what was found and what is
 * accepted. Durations are core/durations.ts's (a number alone is milliseconds). Format:
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
import { crossCheck, defineConfigFile, duration, found, type YamlPath } from '../core/config-file/index.ts';
import { invalidFileError, loadYamlFile, unreadableFileError } from '../core/config-file/index.ts';

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

/** `<key>: is missing` for a missing required key (at the top of the request), else `otherwise`. */
const required =
  (key: string, otherwise: (input: unknown) => string | undefined) =>
  (i: { input: unknown }): string | undefined =>
    i.input === undefined ? `${key}: is missing` : otherwise(i.input);

const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const time = (key: string) =>
  z
    .string({ error: required(key, () => undefined) })
    .regex(TIME, {
      error: (i) =>
        `expected an ISO-8601 date or time with a zone (2025-01-01 or 2025-01-01T00:00:00Z), found ${found(i.input)}`,
    })
    .transform((v) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));

// The requests' wording of durations since before the one grammar (their messages keep it).
const DURATION_FORMS = 'a whole number with a unit: ms, s, m, h, d or w (e.g. 30s, 15m, 2h, 7d)';
const requestDuration = () =>
  duration({ unitless: true, message: (v) => `expected a duration, ${DURATION_FORMS}; found ${found(v)}` });

const REQUEST = z
  .strictObject({
    version: z.literal(1, { error: (i) => `expected 1, found ${found(i.input)}` }).optional(),
    id: z
      .string({ error: required('id', (v) => `expected a backtest id, found ${found(v)}`) })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
        error: (i) =>
          `expected 1 to 100 letters, digits, ".", "_" and "-" starting with a letter or digit, found ${found(i.input)}`,
      }),
    strategy: z
      .string({ error: required('strategy', (v) => `expected a strategy name, found ${found(v)}`) })
      .min(1),
    from: time('from'),
    to: time('to'),
    universe: z
      .array(z.string({ error: (i) => `expected an asset symbol, found ${found(i.input)}` }).min(1), {
        error: required('universe', (v) => `expected a list of asset symbols, found ${found(v)}`),
      })
      .min(1, { error: 'expected at least one asset' }),
    initial_equity: z
      .number({ error: (i) => `expected a positive number, found ${found(i.input)}` })
      .positive()
      .default(1_000_000),
    warmup: requestDuration().default(0),
    slice: z
      .strictObject({
        every: requestDuration().optional(),
        assets: z
          .number({ error: (i) => `expected a whole number >= 1, found ${found(i.input)}` })
          .int()
          .min(1)
          .optional(),
      })
      .default({}),
    parameters: z
      .record(z.string(), z.unknown(), { error: (i) => `expected a mapping, found ${found(i.input)}` })
      .default({}),
  })
  .meta({
    title: 'tradewatch backtest request',
    description: 'A backtest to enqueue (tradewatch backtest enqueue). Format: backtest/request.ts.',
  });

type Request = z.output<typeof REQUEST>;

/** How `r` is split into tasks (its period, universe and slice valid). */
function split(r: Request): { sliceMs: number; assetsPerSlice: number; slices: number } {
  const period = Math.max(1, r.to - r.from);
  const sliceMs = r.slice.every ?? period;
  const assetsPerSlice = r.slice.assets ?? r.universe.length;
  const slices = Math.ceil(period / Math.max(1, sliceMs)) * Math.ceil(r.universe.length / assetsPerSlice);
  return { sliceMs, assetsPerSlice, slices };
}

// The checks across fields, each once the fields it combines are valid (whatever else is wrong).
const CHECKED = crossCheck(REQUEST, (r, report, valid) => {
  const times = valid('from') && valid('to');
  if (times && r.to <= r.from) {
    report(
      ['to'],
      `must be after from (${new Date(r.from).toISOString()}), found ${new Date(r.to).toISOString()}`,
    );
  }
  if (valid('universe') && new Set(r.universe).size !== r.universe.length) {
    const dup = r.universe.find((a, i) => r.universe.indexOf(a) !== i);
    report(['universe'], `lists ${found(dup)} more than once`);
  }
  if (!valid('slice')) return;
  if (r.slice.every === 0) report(['slice', 'every'], 'must be longer than 0');
  if (!times || !valid('universe')) return;
  const { slices } = split(r);
  if (slices > MAX_SLICES) {
    report(
      ['slice'],
      `gives ${slices} tasks, more than ${MAX_SLICES}: use longer time slices or more assets per task`,
    );
  }
});

const REQUEST_FILE = defineConfigFile({
  schema: CHECKED,
  compile: (r): BacktestRequest => {
    const { sliceMs, assetsPerSlice } = split(r);
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
  },
  error: (file, problems) =>
    invalidFileError(
      'TW_BACKTEST_INVALID',
      'the backtest request',
      file,
      problems,
      'Fix the request above (format: backtest/request.ts, scheduler/README.md) and try again.',
    ),
  where: (path: YamlPath) => (path.length === 0 ? '' : `${path.join('.')}: `),
  missingAt: 'contents',
});

/**
 * Parses and validates a request's text. Pure: `file` only names the file in messages.
 * @throws TradewatchError TW_BACKTEST_INVALID listing every problem.
 */
export const parseBacktestRequest = REQUEST_FILE.parse;

/** The JSON Schema of request files, for editors (committed as request.schema.json). */
export const backtestRequestJsonSchema = REQUEST_FILE.jsonSchema;

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

/** JSON with object keys sorted, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
