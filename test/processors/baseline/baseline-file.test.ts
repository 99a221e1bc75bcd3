import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import {
  DEFAULT_BASELINE_FILE,
  DEFAULT_SERIES_SETTINGS,
  compileBaselineOptions,
  createBaselineProcessor,
  loadBaselineOptions,
  parseBaselineOptions,
} from '../../../processors/baseline/index.ts';
import { DAY, HOUR, MINUTE } from './helpers.ts';

/** The problems of the ConfigError `parseBaselineOptions` throws on `yaml`. */
function problemsOf(yaml: string): string[] {
  try {
    parseBaselineOptions(yaml, 'baseline.yaml');
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(ConfigError);
    const error = e as ConfigError;
    expect(error.code).toBe('TW_CONFIG_INVALID');
    expect(error.message).toContain(
      'the baseline configuration baseline.yaml (format: processors/baseline/README.md) is invalid',
    );
    return [...error.problems];
  }
  throw new Error('expected parseBaselineOptions to throw');
}

describe('baseline configuration file', () => {
  it('loads the shipped file: 7-day half-life, 20 observations, daily PnL with a 30-day window', async () => {
    const options = await loadBaselineOptions(DEFAULT_BASELINE_FILE);
    expect(options).toEqual({
      defaults: {
        halfLifeMs: 7 * DAY,
        minObservations: 20,
        graceMs: 10 * MINUTE,
        windowMs: null,
        windowBucketMs: HOUR,
        minStd: 0,
      },
      sums: [{ metric: 'strategy_realized_pnl', as: 'realized_pnl_1d', windowMs: DAY, graceMs: HOUR }],
      overrides: [
        { metric: 'realized_pnl_1d', halfLifeMs: 30 * DAY, minObservations: 10, windowMs: 30 * DAY },
      ],
    });
    const compiled = compileBaselineOptions(options);
    expect(compiled.settingsFor('momentum', 'prod', 'realized_pnl_1d')).toEqual({
      ...DEFAULT_SERIES_SETTINGS,
      halfLifeMs: 30 * DAY,
      minObservations: 10,
      windowMs: 30 * DAY,
    });
    expect(compiled.settingsFor('momentum', 'prod', 'hit_rate')).toEqual(DEFAULT_SERIES_SETTINGS);
    expect(createBaselineProcessor(options).name).toBe('baseline');
  });

  it('takes an empty file as every default', () => {
    expect(parseBaselineOptions('', 'empty.yaml')).toEqual({});
    expect(parseBaselineOptions('# nothing\n', 'empty.yaml')).toEqual({});
  });

  it('applies overrides in file order, field by field, selected by metric, strategy and env', () => {
    const options = parseBaselineOptions(
      `defaults: { half_life: 1d, window: 7d }
overrides:
  - metric: hit_rate
    min_observations: 5
    window: null
  - strategy: momentum
    env: paper
    half_life: 12h
    min_std: 0.5
  - metric: hit_rate
    strategy: momentum
    grace: 0s
`,
      'b.yaml',
    );
    const compiled = compileBaselineOptions(options);
    expect(compiled.settingsFor('momentum', 'paper', 'hit_rate')).toEqual({
      halfLifeMs: 12 * HOUR,
      minObservations: 5,
      windowMs: null,
      windowBucketMs: HOUR,
      graceMs: 0,
      minStd: 0.5,
    });
    expect(compiled.settingsFor('meanrev', 'prod', 'hit_rate')).toMatchObject({
      halfLifeMs: DAY,
      windowMs: null,
      minObservations: 5,
    });
    expect(compiled.settingsFor('meanrev', 'prod', 'latency_ms')).toMatchObject({
      halfLifeMs: DAY,
      windowMs: 7 * DAY,
    });
  });

  it('lists every problem with its line, column and what is accepted', () => {
    const problems = problemsOf(`version: 2
defaults:
  half_life: 7
  min_observations: 2.5
  window: forever
  grace: -1m
  min_std: -1
  halflife: 7d
overrides:
  - metric: Hit-Rate
    env: live
  - strategy: momentum
sums:
  - metric: strategy_realized_pnl
    window: 0d
  - metric: strategy_realized_pnl
    as: pnl_1d
  - oops
`);
    expect(problems).toEqual([
      'baseline.yaml:1:10: version: expected 1, found 2',
      'baseline.yaml:3:14: defaults.half_life: expected a duration (500ms, 90s, 30m, 12h, 7d or 2w) greater than 0, found 7: give the unit (e.g. 7ms or 7d)',
      'baseline.yaml:4:21: defaults.min_observations: expected a whole number ≥ 1, found 2.5',
      'baseline.yaml:5:11: defaults.window: expected a duration (500ms, 90s, 30m, 12h, 7d or 2w), or null for no trailing window, found "forever"',
      'baseline.yaml:6:10: defaults.grace: expected a duration (500ms, 90s, 30m, 12h, 7d or 2w), found "-1m"',
      'baseline.yaml:7:12: defaults.min_std: expected a number ≥ 0, found -1',
      'baseline.yaml:8:3: defaults.halflife: unknown key "halflife" (did you mean "half_life"?); known keys: half_life, min_observations, window, window_bucket, grace, min_std',
      'baseline.yaml:10:5: overrides[0]: sets nothing: give at least one of half_life, min_observations, window, window_bucket, grace, min_std',
      'baseline.yaml:10:13: overrides[0].metric: expected a metric name in snake_case (e.g. realized_pnl_1d), found "Hit-Rate"',
      'baseline.yaml:11:10: overrides[0].env: expected one of prod, staging, paper, found "live"',
      'baseline.yaml:12:5: overrides[1]: sets nothing: give at least one of half_life, min_observations, window, window_bucket, grace, min_std',
      'baseline.yaml:14:5: sums[0]: "as" is missing (e.g. as: realized_pnl_1d)',
      'baseline.yaml:15:13: sums[0].window: expected a duration (500ms, 90s, 30m, 12h, 7d or 2w) greater than 0, found "0d"',
      'baseline.yaml:16:13: sums[1].metric: sums[0] has the same metric "strategy_realized_pnl"; each must be unique',
      'baseline.yaml:18:5: sums[2]: expected a mapping (metric, as, window, grace), found "oops"',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('defaults:\n  half_life: [7d\n')).toEqual([
      expect.stringMatching(/^baseline\.yaml:\d+:\d+: YAML syntax error: /),
    ]);
  });

  it('says when the file cannot be read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tw-baseline-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const missing = path.join(dir, 'missing.yaml');
    await expect(loadBaselineOptions(missing)).rejects.toThrow(
      /cannot read .*missing\.yaml: ENOENT.*Check the path/,
    );
    const file = path.join(dir, 'ok.yaml');
    await writeFile(file, 'defaults: { min_observations: 3 }\n');
    expect(await loadBaselineOptions(file)).toEqual({ defaults: { minObservations: 3 } });
  });

  it('validates options given in code, listing every problem', () => {
    expect(() =>
      compileBaselineOptions({
        defaults: { halfLifeMs: 0, minStd: Number.NaN },
        overrides: [{ metric: 'x' }],
        sums: [{ metric: 'a', as: 'b', windowMs: 1.5 }],
        // @ts-expect-error an unknown option
        extra: 1,
      }),
    ).toThrow(
      new ConfigError(
        [
          'unknown option extra; known: defaults, overrides, sums',
          'defaults.halfLifeMs must be an integer number of milliseconds ≥ 1; got 0',
          'defaults.minStd must be a finite number ≥ 0; got NaN',
          'overrides[0] sets nothing: give at least one of halfLifeMs, minObservations, windowMs, windowBucketMs, graceMs, minStd',
          'sums[0].windowMs must be an integer number of milliseconds ≥ 1; got 1.5',
        ],
        'baseline processor options',
      ),
    );
  });
});
