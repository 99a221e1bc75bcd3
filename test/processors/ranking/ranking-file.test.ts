import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import {
  DEFAULT_RANKING_FILE,
  DEFAULT_RANKING_SETTINGS,
  compileRankingOptions,
  loadRankingOptions,
  parseRankingOptions,
} from '../../../processors/ranking/index.ts';

const DAY = 86_400_000;

function problemsOf(yaml: string): string[] {
  try {
    parseRankingOptions(yaml, 'ranking.yaml');
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(ConfigError);
    const error = e as ConfigError;
    expect(error.code).toBe('TW_CONFIG_INVALID');
    expect(error.message).toContain('processors/ranking/README.md');
    return [...error.problems];
  }
  throw new Error('expected parseRankingOptions to throw');
}

describe('the precision@K configuration', () => {
  it('the default file holds the defaults', async () => {
    const options = await loadRankingOptions(DEFAULT_RANKING_FILE);
    expect(options).toEqual(compileRankingOptions());
    expect(options).toEqual({
      ks: [1, 5, 10],
      relevance: { mode: 'top_k' },
      labelDelayMs: 0,
      deadlineMs: DAY,
      scoredMemoryMs: 30 * DAY,
      rollingWindows: [
        { ms: 7 * DAY, suffix: '7d' },
        { ms: 30 * DAY, suffix: '30d' },
      ],
      rollingGraceMs: 2 * DAY,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(DEFAULT_RANKING_SETTINGS.ks).toEqual([1, 5, 10]);
  });

  it('reads every field; an empty file is every default', () => {
    const options = parseRankingOptions(
      `version: 1
ks: [10, 3]
relevance:
  mode: above_benchmark
  benchmark: BTC-USD
label_delay: 2h
deadline: never
scored_memory: 1d
rolling:
  windows: [36h, 1d]
  grace: 90m
`,
      'r.yaml',
    );
    expect(options).toEqual({
      ks: [3, 10],
      relevance: { mode: 'above_benchmark', benchmark: 'BTC-USD' },
      labelDelayMs: 2 * 3_600_000,
      deadlineMs: null,
      scoredMemoryMs: DAY,
      rollingWindows: [
        { ms: DAY, suffix: '1d' },
        { ms: 36 * 3_600_000, suffix: '36h' },
      ],
      rollingGraceMs: 90 * 60_000,
    });
    expect(parseRankingOptions('', 'empty.yaml')).toEqual(compileRankingOptions());
    expect(parseRankingOptions('# nothing\n', 'empty.yaml')).toEqual(compileRankingOptions());
  });

  it('lists every problem with file:line:col, the field, what was found and what is accepted', () => {
    const problems = problemsOf(`version: 2
ks: [1, 0, 5, 5, 2.5]
relevance:
  mode: best
  benchmrk: X
label_delay: soon
deadline: -1
rolling:
  windows: [0, 7d, 7d]
  grace: 2 days
extra: 1
`);
    expect(problems).toEqual([
      'ranking.yaml:1:10: version: expected 1, found 2',
      'ranking.yaml:2:9: ks.1: expected a whole number K ≥ 1, found 0',
      'ranking.yaml:2:15: ks.3: K 5 is listed twice',
      'ranking.yaml:2:18: ks.4: expected a whole number K ≥ 1, found 2.5',
      'ranking.yaml:4:9: relevance.mode: expected one of top_k, positive, above_benchmark, found "best"',
      'ranking.yaml:5:3: relevance.benchmrk: unknown key "benchmrk" (did you mean "benchmark"?); known keys: mode, benchmark',
      'ranking.yaml:6:14: label_delay: expected a duration such as 0, 500ms, 30s, 15m, 2h or 7d, found "soon"',
      'ranking.yaml:7:11: deadline: expected a duration such as 0, 500ms, 30s, 15m, 2h or 7d, or never, found -1',
      'ranking.yaml:9:13: rolling.windows.0: a window must be longer than 0',
      'ranking.yaml:9:20: rolling.windows.2: this window is listed twice',
      'ranking.yaml:10:10: rolling.grace: expected a duration such as 0, 500ms, 30s, 15m, 2h or 7d, found "2 days"',
      'ranking.yaml:11:1: extra: unknown key "extra"; known keys: version, ks, relevance, label_delay, deadline, scored_memory, rolling',
    ]);
  });

  it('a benchmark goes with above_benchmark, and only with it', () => {
    expect(problemsOf('relevance:\n  mode: above_benchmark\n')).toEqual([
      'ranking.yaml:2:9: relevance.mode: mode above_benchmark needs "benchmark: <asset>"',
    ]);
    expect(problemsOf('relevance:\n  mode: positive\n  benchmark: BTC\n')).toEqual([
      'ranking.yaml:3:3: relevance.benchmark: a benchmark is only used with mode above_benchmark (mode is positive): remove it or change the mode',
    ]);
    expect(problemsOf('relevance:\n  benchmark: BTC\n')).toEqual([
      'ranking.yaml:2:3: relevance: "mode" is missing: expected one of top_k, positive, above_benchmark',
    ]);
  });

  it('wrong shapes and YAML syntax', () => {
    expect(problemsOf('- 1\n- 2\n')).toEqual([
      'ranking.yaml:1:1: expected a mapping of settings (ks, relevance, ...), found [1,2]',
    ]);
    expect(problemsOf('ks: 5\nrolling: 7d\n')).toEqual([
      'ranking.yaml:1:5: ks: expected a list of Ks (e.g. [1, 5, 10]), found 5',
      'ranking.yaml:2:10: rolling: expected a mapping (windows, grace), found "7d"',
    ]);
    expect(problemsOf('ks: []\n')).toEqual([
      'ranking.yaml:1:5: ks: expected at least one of the Ks (e.g. [1, 5, 10])',
    ]);
    const syntax = problemsOf('ks: [1, 5\nlabel_delay: 0\n');
    expect(syntax).toHaveLength(1);
    expect(syntax[0]).toMatch(/^ranking\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('a file that cannot be read is a configuration error naming it', async () => {
    await expect(loadRankingOptions('/nonexistent/ranking.yaml')).rejects.toThrow(
      /\/nonexistent\/ranking\.yaml: cannot read it: .*ENOENT/,
    );
  });

  it('compileRankingOptions checks what a program gives', () => {
    expect(() => compileRankingOptions({ ks: [0], labelDelayMs: -1, rollingWindowsMs: [] })).toThrow(
      ConfigError,
    );
    try {
      compileRankingOptions({ ks: [0], labelDelayMs: -1, rollingWindowsMs: [] });
    } catch (e: unknown) {
      expect((e as ConfigError).problems).toEqual([
        'ks: 0 is not an integer between 1 and 10000',
        'labelDelayMs must be a non-negative integer of ms; got -1',
        'rollingWindowsMs must list at least one window',
      ]);
    }
  });
});
