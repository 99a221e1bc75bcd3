/**
 * The precision@K configuration file: YAML, read once at start-up and validated in full by core's
 * loader. Every problem (YAML syntax, unknown keys, wrong types, bad durations, a benchmark missing or
 * given for nothing) is listed in ONE ConfigError (TW_CONFIG_INVALID, exit 2), each with its file, line
 * and column, the field, what was found and what is accepted. See README.md in this folder for the format.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  crossCheck,
  defineConfigFile,
  duration,
  durationOrNever,
  found,
} from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';
import {
  MAX_K,
  RELEVANCE_MODES,
  compileRankingOptions,
  type RankingOptions,
  type Relevance,
} from './options.ts';

/** The configuration shipped with tradewatch (the defaults, spelled out). */
export const DEFAULT_RANKING_FILE = fileURLToPath(new URL('./default-ranking.yaml', import.meta.url));

const FORMS = 'a duration such as 0, 500ms, 30s, 15m, 2h or 7d';
const DURATION = duration({ unitless: true, message: (i) => `expected ${FORMS}, found ${found(i)}` });

/** A non-empty list of distinct values of `item`. */
function distinctList(
  item: z.ZodType<number>,
  what: { readonly plural: string; readonly example: string; readonly repeated: (value: number) => string },
) {
  return crossCheck(
    z
      .array(item, {
        error: (i) => `expected a list of ${what.plural} (e.g. ${what.example}), found ${found(i.input)}`,
      })
      .min(1, { error: `expected at least one of the ${what.plural} (e.g. ${what.example})` }),
    (values, report, valid) => {
      const seen: number[] = [];
      values.forEach((value, i) => {
        if (!valid(i)) return;
        if (seen.includes(value)) report([i], what.repeated(value));
        seen.push(value);
      });
    },
  );
}

const kProblem = (i: { input: unknown }) => `expected a whole number K ≥ 1, found ${found(i.input)}`;
const K = z
  .number({ error: kProblem })
  .refine(Number.isInteger, { error: kProblem }) // not .int(): its issue would stop the duplicate check
  .min(1, { error: kProblem })
  .max(MAX_K, { error: (i) => `expected K ≤ ${MAX_K}, found ${found(i.input)}` });

const RELEVANCE = crossCheck(
  z.strictObject(
    {
      mode: z.enum(RELEVANCE_MODES, {
        error: (i) =>
          `${i.input === undefined ? '"mode" is missing: expected' : 'expected'} one of ${RELEVANCE_MODES.join(', ')}` +
          (i.input === undefined ? '' : `, found ${found(i.input)}`),
      }),
      benchmark: z
        .string({ error: (i) => `expected an asset symbol (e.g. BTC-USD), found ${found(i.input)}` })
        .min(1, { error: 'expected an asset symbol (e.g. BTC-USD), found an empty text' })
        .optional(),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping (mode, benchmark), found ${found(i.input)}`
          : undefined,
    },
  ),
  (relevance, report, valid) => {
    if (!valid('mode')) return;
    if (relevance.mode === 'above_benchmark') {
      if (relevance.benchmark === undefined)
        report(['mode'], 'mode above_benchmark needs "benchmark: <asset>"');
    } else if (relevance.benchmark !== undefined) {
      report(
        ['benchmark'],
        `a benchmark is only used with mode above_benchmark (mode is ${relevance.mode}): remove it or change the mode`,
        { onKey: true },
      );
    }
  },
);

const FILE = z
  .strictObject(
    {
      version: z.literal(1).optional(),
      ks: distinctList(K, {
        plural: 'Ks',
        example: '[1, 5, 10]',
        repeated: (k) => `K ${k} is listed twice`,
      }).optional(),
      relevance: RELEVANCE.optional(),
      label_delay: DURATION.optional(),
      deadline: durationOrNever({
        unitless: true,
        message: (i) => `expected ${FORMS}, or never, found ${found(i)}`,
      }).optional(),
      scored_memory: DURATION.optional(),
      rolling: z
        .strictObject(
          {
            windows: distinctList(
              DURATION.refine((ms) => ms > 0, { error: 'a window must be longer than 0' }),
              {
                plural: 'windows',
                example: '[7d, 30d]',
                repeated: () => 'this window is listed twice',
              },
            ).optional(),
            grace: DURATION.optional(),
          },
          {
            error: (i) =>
              i.code === 'invalid_type'
                ? `expected a mapping (windows, grace), found ${found(i.input)}`
                : undefined,
          },
        )
        .optional(),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? `expected a mapping of settings (ks, relevance, ...), found ${found(i.input)}`
          : undefined,
    },
  )
  .nullable(); // an empty file: every default

const RANKING_FILE = defineConfigFile({
  schema: FILE,
  // Every check of compileRankingOptions is made by the schema with a location; it is a backstop here.
  compile: (value): RankingOptions =>
    compileRankingOptions({
      ks: value?.ks,
      relevance: value?.relevance as Relevance | undefined, // the schema checked the benchmark's presence
      labelDelayMs: value?.label_delay,
      deadlineMs: value?.deadline,
      scoredMemoryMs: value?.scored_memory,
      rollingWindowsMs: value?.rolling?.windows,
      rollingGraceMs: value?.rolling?.grace,
    }),
  error: (file, problems) =>
    new ConfigError(problems, `the precision@K configuration ${file} (format: processors/ranking/README.md)`),
  where: (path) => (path.length > 0 ? `${path.join('.')}: ` : ''),
  defaultFile: DEFAULT_RANKING_FILE,
});

/**
 * Parses and validates the configuration's text. Pure: `file` only names the file in messages.
 * @throws ConfigError (TW_CONFIG_INVALID) listing every problem.
 */
export const parseRankingOptions = RANKING_FILE.parse;

/**
 * Reads and validates the configuration file.
 * @throws ConfigError (TW_CONFIG_INVALID) when it cannot be read or is invalid (every problem listed).
 */
export const loadRankingOptions = RANKING_FILE.load;
