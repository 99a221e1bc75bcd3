import { ConfigError } from '../../core/errors.ts';
import { withoutUndefined } from '../../core/without-undefined.ts';
import { DAY_MS, formatDuration } from '../../core/durations.ts';

/** How the relevant assets of a cycle's universe are chosen (see README.md, "Relevance"). */
export const RELEVANCE_MODES = ['top_k', 'positive', 'above_benchmark'] as const;
export type RelevanceMode = (typeof RELEVANCE_MODES)[number];

export type Relevance =
  /** The K assets of the universe with the highest forward return (ties: asset name, ascending). */
  | { readonly mode: 'top_k' }
  /** Every asset with a forward return > 0. */
  | { readonly mode: 'positive' }
  /** Every asset whose forward return is above the benchmark asset's (which must have an outcome). */
  | { readonly mode: 'above_benchmark'; readonly benchmark: string };

/** A trailing window of the rolling stage: its length and the suffix of its metric names (`7d`). */
export interface RollingWindow {
  readonly ms: number;
  readonly suffix: string;
}

/**
 * The precision@K options, as a program gives them (the YAML file's fields, durations in ms). Every
 * field is optional; the default is given with each.
 */
export interface RankingSettings {
  /** The K's scored, positive integers. Default `[1, 5, 10]`. */
  readonly ks?: readonly number[];
  /** Which assets are relevant. Default `{ mode: 'top_k' }`. */
  readonly relevance?: Relevance;
  /**
   * A cycle is scored once the outcome stream's event time for its horizon (the least watermark of the
   * outcomes partitions) passes the cycle's `as_of` by MORE than this. Default `0`: an `as_of` closes
   * once every outcomes partition has an outcome of a later one.
   */
  readonly labelDelayMs?: number;
  /**
   * The wall-clock deadline: a cycle not yet closed by event time is scored, with the outcomes that
   * arrived, this long after its horizon has passed since its `as_of` group was first seen (first seen +
   * `horizon_ms` + this). `null`: never. Default one day.
   */
  readonly deadlineMs?: number | null;
  /**
   * How long (wall clock) the join remembers an `as_of` it scored at the deadline while the event time
   * has not passed it yet, to route its late outcomes to `late`. Default 30 days.
   */
  readonly scoredMemoryMs?: number;
  /** The trailing windows of the rolling means, in ms. Default 7 and 30 days. */
  readonly rollingWindowsMs?: readonly number[];
  /**
   * How far behind the newest score of its (strategy, env) a score may arrive at the rolling stage and
   * still be folded in; older ones go to `late`. Default two days.
   */
  readonly rollingGraceMs?: number;
}

/** The options with every default applied and checked, frozen: what the processors take. */
export interface RankingOptions {
  /** Ascending, distinct. */
  readonly ks: readonly number[];
  readonly relevance: Relevance;
  readonly labelDelayMs: number;
  readonly deadlineMs: number | null;
  readonly scoredMemoryMs: number;
  /** Ascending by length, distinct. */
  readonly rollingWindows: readonly RollingWindow[];
  readonly rollingGraceMs: number;
}

/** The defaults (default-ranking.yaml spells out the same values). */
export const DEFAULT_RANKING_SETTINGS = Object.freeze({
  ks: Object.freeze([1, 5, 10]),
  relevance: Object.freeze({ mode: 'top_k' as const }),
  labelDelayMs: 0,
  deadlineMs: DAY_MS,
  scoredMemoryMs: 30 * DAY_MS,
  rollingWindowsMs: Object.freeze([7 * DAY_MS, 30 * DAY_MS]),
  rollingGraceMs: 2 * DAY_MS,
}) satisfies Required<RankingSettings>;

/** The largest K accepted (a cycle ranks at most a few thousand assets). */
export const MAX_K = 10_000;

const isDuration = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Applies the defaults and checks; throws a ConfigError listing every problem. */
export function compileRankingOptions(settings: RankingSettings = {}): RankingOptions {
  const s = { ...DEFAULT_RANKING_SETTINGS, ...withoutUndefined(settings) };
  const problems: string[] = [];
  const known = new Set(Object.keys(DEFAULT_RANKING_SETTINGS));
  for (const key of Object.keys(settings)) {
    if (!known.has(key)) problems.push(`unknown option ${key}; known: ${[...known].join(', ')}`);
  }
  if (s.ks.length === 0) problems.push('ks must list at least one K');
  for (const k of s.ks) {
    if (!Number.isSafeInteger(k) || k < 1 || k > MAX_K)
      problems.push(`ks: ${String(k)} is not an integer between 1 and ${MAX_K}`);
  }
  if (new Set(s.ks).size !== s.ks.length) problems.push(`ks: ${s.ks.join(', ')} lists a K twice`);
  if (!(RELEVANCE_MODES as readonly string[]).includes(s.relevance.mode)) {
    problems.push(
      `relevance.mode must be one of ${RELEVANCE_MODES.join(', ')}; got ${String(s.relevance.mode)}`,
    );
  } else if (
    s.relevance.mode === 'above_benchmark' &&
    (typeof s.relevance.benchmark !== 'string' || s.relevance.benchmark === '')
  ) {
    problems.push('relevance.benchmark must name an asset with mode above_benchmark');
  }
  for (const [name, value] of [
    ['labelDelayMs', s.labelDelayMs],
    ['scoredMemoryMs', s.scoredMemoryMs],
    ['rollingGraceMs', s.rollingGraceMs],
  ] as const) {
    if (!isDuration(value))
      problems.push(`${name} must be a non-negative integer of ms; got ${String(value)}`);
  }
  if (s.deadlineMs !== null && !isDuration(s.deadlineMs)) {
    problems.push(`deadlineMs must be null or a non-negative integer of ms; got ${String(s.deadlineMs)}`);
  }
  if (s.rollingWindowsMs.length === 0) problems.push('rollingWindowsMs must list at least one window');
  for (const w of s.rollingWindowsMs) {
    if (!isDuration(w) || w === 0)
      problems.push(`rollingWindowsMs: ${String(w)} is not a positive integer of ms`);
  }
  const suffixes = s.rollingWindowsMs.map((ms) => formatDuration(ms, 'largest'));
  if (new Set(suffixes).size !== suffixes.length) {
    problems.push(`rollingWindowsMs: ${suffixes.join(', ')} lists a window twice`);
  }
  if (problems.length > 0) throw new ConfigError(problems, 'precision@K options');
  return Object.freeze({
    ks: Object.freeze([...s.ks].sort((a, b) => a - b)),
    relevance: Object.freeze({ ...s.relevance }),
    labelDelayMs: s.labelDelayMs,
    deadlineMs: s.deadlineMs,
    scoredMemoryMs: s.scoredMemoryMs,
    rollingWindows: Object.freeze(
      [...s.rollingWindowsMs]
        .sort((a, b) => a - b)
        .map((ms) => Object.freeze({ ms, suffix: formatDuration(ms, 'largest') })),
    ),
    rollingGraceMs: s.rollingGraceMs,
  });
}
