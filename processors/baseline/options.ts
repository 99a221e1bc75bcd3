/**
 * The baseline processor's options, in three steps: the public, documented {@link BaselineOptions}
 * (milliseconds; every field optional) → the defaults → {@link CompiledBaselineOptions}, validated and
 * frozen, which answers the settings of each series. The YAML file (baseline-file.ts) is read into
 * BaselineOptions.
 */
import { withoutUndefined } from '../../core/without-undefined.ts';
import { ConfigError } from '../../core/errors.ts';
import { ENVIRONMENTS, type Environment } from '../../schemas/index.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The baseline settings of a series. Every field is optional; the defaults are in {@link DEFAULT_SERIES_SETTINGS}. */
export interface BaselineSettings {
  /**
   * Half-life of the EWMA weights: an observation this much older than the newest weighs half as much.
   * A positive integer of milliseconds. Default 7 days.
   */
  readonly halfLifeMs?: number;
  /**
   * Observations the baseline must have folded in before a z-score is reported (for the trailing
   * window: observations in the window). An integer ≥ 1. Default 20.
   */
  readonly minObservations?: number;
  /**
   * Length of the optional trailing window (its mean, std and z-score are reported beside the EWMA's),
   * a positive integer of milliseconds, or null for none. Default null.
   */
  readonly windowMs?: number | null;
  /**
   * Time resolution of the trailing window: it keeps one aggregate per bucket, so its state is bounded
   * by window / bucket entries. A positive integer of milliseconds. Default 1 hour.
   */
  readonly windowBucketMs?: number;
  /**
   * How far behind the series' newest observation an observation may arrive and still be folded in;
   * older ones go to the `late` side output. A non-negative integer of milliseconds. Default 10 minutes.
   */
  readonly graceMs?: number;
  /**
   * Floor of the standard deviation in z-scores: z = (x − mean) / max(std, minStd). With 0 (the
   * default) a series that never varied (std 0) reports no z-score. A finite number ≥ 0.
   */
  readonly minStd?: number;
}

/**
 * Settings for the series a selector matches (every given selector must equal the series'); later
 * overrides win over earlier ones, field by field, and all win over the defaults.
 */
export interface BaselineOverride extends BaselineSettings {
  /** The observed metric: a cycle snapshot entry, `latency_ms`, or a sum's `as` (e.g. `realized_pnl_1d`). */
  readonly metric?: string;
  readonly strategy?: string;
  readonly env?: Environment;
}

/**
 * A metric of the `metrics` topic summed per tumbling event-time window, per series (its labels must
 * include `strategy` and `env`); each closed window's sum is one observation named `as`.
 */
export interface WindowSum {
  /** The metric to sum, e.g. `strategy_realized_pnl`. */
  readonly metric: string;
  /** The observation's metric name, e.g. `realized_pnl_1d`. */
  readonly as: string;
  /** Window size, a positive integer of milliseconds. Default 1 day (windows start at 00:00 UTC). */
  readonly windowMs?: number;
  /**
   * How long after its end a window still takes points (it closes once a point of the series is at
   * least end + grace); later points go to `late`. A non-negative integer of milliseconds. Default 1 hour.
   */
  readonly graceMs?: number;
}

export interface BaselineOptions {
  /** Settings of every series unless an override says otherwise. */
  readonly defaults?: BaselineSettings;
  /** Per metric (optionally per strategy and env) settings, applied in order. Default none. */
  readonly overrides?: readonly BaselineOverride[];
  /**
   * The metrics-topic series summed per window. Default: `strategy_realized_pnl` (emitted by this
   * processor for each trade) per day, as `realized_pnl_1d`. Metrics not listed are ignored.
   */
  readonly sums?: readonly WindowSum[];
}

/** The settings of one series, every default applied. */
export type SeriesSettings = Readonly<Required<BaselineSettings>>;

export type CompiledWindowSum = Readonly<Required<WindowSum>>;

/** Validated, frozen options. */
export interface CompiledBaselineOptions {
  readonly defaults: SeriesSettings;
  readonly overrides: readonly Readonly<BaselineOverride>[];
  /** The sums by the metric they sum. */
  readonly sums: ReadonlyMap<string, CompiledWindowSum>;
  /** The settings of a series (cached). */
  settingsFor(strategy: string, env: string, metric: string): SeriesSettings;
}

/** The defaults of {@link BaselineSettings}. */
export const DEFAULT_SERIES_SETTINGS: SeriesSettings = Object.freeze({
  halfLifeMs: 7 * DAY_MS,
  minObservations: 20,
  windowMs: null,
  windowBucketMs: HOUR_MS,
  graceMs: 10 * 60_000,
  minStd: 0,
});

/** The default sum: realized PnL per strategy and env per UTC day. */
export const DEFAULT_WINDOW_SUMS: readonly CompiledWindowSum[] = Object.freeze([
  Object.freeze({
    metric: 'strategy_realized_pnl',
    as: 'realized_pnl_1d',
    windowMs: DAY_MS,
    graceMs: HOUR_MS,
  }),
]);

const SETTING_KEYS = Object.keys(DEFAULT_SERIES_SETTINGS) as (keyof BaselineSettings)[];
const SELECTOR_KEYS = ['metric', 'strategy', 'env'] as const;
const TOP_KEYS = ['defaults', 'overrides', 'sums'] as const;
const SUM_KEYS = ['metric', 'as', 'windowMs', 'graceMs'] as const;
const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

/** Applies the defaults and validates; throws a ConfigError listing every problem. */
export function compileBaselineOptions(options: BaselineOptions = {}): CompiledBaselineOptions {
  const problems: string[] = [];
  unknownKeys(options, TOP_KEYS, '', problems);

  unknownKeys(options.defaults ?? {}, SETTING_KEYS, 'defaults.', problems);
  checkSettings(options.defaults ?? {}, 'defaults', problems);
  const defaults: SeriesSettings = Object.freeze({
    ...DEFAULT_SERIES_SETTINGS,
    ...withoutUndefined(options.defaults ?? {}),
  });

  const overrides = (options.overrides ?? []).map((override, i) => {
    const at = `overrides[${i}]`;
    unknownKeys(override, [...SELECTOR_KEYS, ...SETTING_KEYS], `${at}.`, problems);
    checkSettings(override, at, problems);
    for (const key of ['metric', 'strategy'] as const) {
      const value = override[key];
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        problems.push(`${at}.${key} must be a non-empty string; got ${String(value)}`);
      }
    }
    if (override.env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(override.env)) {
      problems.push(`${at}.env must be one of ${ENVIRONMENTS.join(', ')}; got ${String(override.env)}`);
    }
    if (!SETTING_KEYS.some((k) => override[k] !== undefined)) {
      problems.push(`${at} sets nothing: give at least one of ${SETTING_KEYS.join(', ')}`);
    }
    return Object.freeze(withoutUndefined(override));
  });

  const sums = new Map<string, CompiledWindowSum>();
  const names = new Set<string>();
  for (const [i, sum] of (options.sums ?? DEFAULT_WINDOW_SUMS).entries()) {
    const at = `sums[${i}]`;
    unknownKeys(sum, SUM_KEYS, `${at}.`, problems);
    for (const key of ['metric', 'as'] as const) {
      if (typeof sum[key] !== 'string' || !METRIC_NAME.test(sum[key])) {
        problems.push(`${at}.${key} must be a metric name in snake_case; got ${String(sum[key])}`);
      }
    }
    const compiled: CompiledWindowSum = Object.freeze({
      windowMs: DAY_MS,
      graceMs: HOUR_MS,
      ...withoutUndefined(sum),
    });
    checkMs(`${at}.windowMs`, compiled.windowMs, 1, problems);
    checkMs(`${at}.graceMs`, compiled.graceMs, 0, problems);
    if (sums.has(sum.metric)) problems.push(`${at}.metric ${sum.metric} is summed twice`);
    if (names.has(sum.as)) problems.push(`${at}.as ${sum.as} names two sums`);
    sums.set(sum.metric, compiled);
    names.add(sum.as);
  }

  if (problems.length > 0) throw new ConfigError(problems, 'baseline processor options');

  // By strategy, env, metric: asked for every observation, so no key text is built per call.
  const cache = new Map<string, Map<string, Map<string, SeriesSettings>>>();
  return Object.freeze({
    defaults,
    overrides: Object.freeze(overrides),
    sums,
    settingsFor(strategy: string, env: string, metric: string): SeriesSettings {
      let byEnv = cache.get(strategy);
      if (byEnv === undefined) cache.set(strategy, (byEnv = new Map<string, Map<string, SeriesSettings>>()));
      let byMetric = byEnv.get(env);
      if (byMetric === undefined) byEnv.set(env, (byMetric = new Map<string, SeriesSettings>()));
      let settings = byMetric.get(metric);
      if (settings === undefined) {
        const merged: Record<string, unknown> = { ...defaults };
        for (const o of overrides) {
          if (o.metric !== undefined && o.metric !== metric) continue;
          if (o.strategy !== undefined && o.strategy !== strategy) continue;
          if (o.env !== undefined && o.env !== env) continue;
          for (const key of SETTING_KEYS) if (o[key] !== undefined) merged[key] = o[key];
        }
        settings = Object.freeze(merged) as SeriesSettings;
        byMetric.set(metric, settings);
      }
      return settings;
    },
  });
}

function checkSettings(settings: BaselineSettings, at: string, problems: string[]): void {
  if (settings.halfLifeMs !== undefined) checkMs(`${at}.halfLifeMs`, settings.halfLifeMs, 1, problems);
  if (settings.windowMs !== undefined && settings.windowMs !== null) {
    checkMs(`${at}.windowMs`, settings.windowMs, 1, problems);
  }
  if (settings.windowBucketMs !== undefined) {
    checkMs(`${at}.windowBucketMs`, settings.windowBucketMs, 1, problems);
  }
  if (settings.graceMs !== undefined) checkMs(`${at}.graceMs`, settings.graceMs, 0, problems);
  const min = settings.minObservations;
  if (min !== undefined && (!Number.isSafeInteger(min) || min < 1)) {
    problems.push(`${at}.minObservations must be an integer ≥ 1; got ${String(min)}`);
  }
  const minStd = settings.minStd;
  if (minStd !== undefined && (typeof minStd !== 'number' || !Number.isFinite(minStd) || minStd < 0)) {
    problems.push(`${at}.minStd must be a finite number ≥ 0; got ${String(minStd)}`);
  }
}

function checkMs(what: string, value: unknown, min: number, problems: string[]): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    problems.push(`${what} must be an integer number of milliseconds ≥ ${min}; got ${String(value)}`);
  }
}

function unknownKeys(value: object, known: readonly string[], at: string, problems: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`unknown option ${at}${key}; known: ${known.join(', ')}`);
  }
}
