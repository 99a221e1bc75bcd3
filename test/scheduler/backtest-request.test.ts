/** Backtest requests: validation with file:line, and the fan-out into tasks that cover the request once. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { backtestRequestJsonSchema, backtestTasks, parseBacktestRequest } from '../../backtest/index.ts';

const DAY = 86_400_000;
const valid = [
  'id: mom-q1',
  'strategy: momentum',
  'from: 2025-01-01',
  'to: 2025-01-11T00:00:00Z',
  'universe: [A, B, C, D, E]',
  'warmup: 30d',
  'slice:',
  '  every: 4d',
  '  assets: 2',
].join('\n');

function problemsOf(text: string): string {
  try {
    parseBacktestRequest(text, 'req.yaml');
  } catch (e: unknown) {
    expect(e).toMatchObject({ code: 'TW_BACKTEST_INVALID' });
    return (e as Error).message;
  }
  throw new Error('the request was accepted');
}

describe('backtest requests', () => {
  it('split into time slices times asset groups, covering every (day, asset) once', () => {
    const request = parseBacktestRequest(valid, 'req.yaml');
    expect(request).toMatchObject({
      sliceMs: 4 * DAY,
      assetsPerSlice: 2,
      warmupMs: 30 * DAY,
      initialEquity: 1_000_000,
    });
    const tasks = backtestTasks(request, 0, null);
    // 10 days in slices of 4: [1-5), [5-9), [9-11) = 3; 5 assets by 2: [A,B], [C,D], [E] = 3; 9 tasks.
    expect(tasks).toHaveLength(9);
    expect(tasks.map((t) => t.slice_index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tasks.every((t) => t.slice_count === 9 && t.request_digest === request.digest)).toBe(true);
    const covered = new Map<string, number>();
    for (const task of tasks) {
      for (let day = task.from; day < task.to; day += DAY) {
        for (const asset of task.assets)
          covered.set(`${day}/${asset}`, (covered.get(`${day}/${asset}`) ?? 0) + 1);
      }
    }
    expect(covered.size).toBe(10 * 5);
    expect([...covered.values()].every((n) => n === 1)).toBe(true);
    expect(tasks.at(-1)).toMatchObject({ task_id: 'mom-q1/8', assets: ['E'], to: Date.UTC(2025, 0, 11) });
  });

  it('gives the same digest for the same request, another for a changed one', () => {
    const a = parseBacktestRequest(valid, 'a.yaml');
    const b = parseBacktestRequest(
      valid.replace('universe: [A, B, C, D, E]', 'universe: [A,B,C,D,E]'),
      'b.yaml',
    );
    const c = parseBacktestRequest(`${valid}\nparameters: { lookback: 5 }`, 'c.yaml');
    expect(b.digest).toBe(a.digest);
    expect(c.digest).not.toBe(a.digest);
  });

  it('lists every problem with its line, the field and what is accepted', () => {
    const message = problemsOf(
      [
        'id: mom q1',
        'strategy: momentum',
        'from: 2025-02-01',
        'to: 2025-01-01',
        'universe: [A, A]',
        'warmup: a month',
        'slice: { every: 1d, asset: 2 }',
        'initial_equity: -5',
      ].join('\n'),
    );
    for (const expected of [
      'req.yaml:1:5: id: expected 1 to 100 letters, digits',
      'req.yaml:6:9: warmup: expected a duration, a whole number with a unit',
      'req.yaml:7:21: slice.asset: unknown key "asset" (did you mean "assets"?); known keys: every, assets',
      'req.yaml:8:17: initial_equity: expected a positive number, found -5',
    ]) {
      expect(message).toContain(expected);
    }
    // The checks across fields, once the fields they combine are valid.
    const across = problemsOf(
      valid.replace('to: 2025-01-11T00:00:00Z', 'to: 2024-12-01').replace('[A, B, C, D, E]', '[A, B, A]'),
    );
    expect(across).toContain('req.yaml:4:5: to: must be after from (2025-01-01T00:00:00.000Z)');
    expect(across).toContain('req.yaml:5:11: universe: lists "A" more than once');
  });

  it('lists the checks across fields in the same round as the other problems', () => {
    const text = valid
      .replace('id: mom-q1', 'id: mom q1')
      .replace('to: 2025-01-11T00:00:00Z', 'to: 2024-12-01')
      .replace('[A, B, C, D, E]', '[A, B, A]')
      .replace('warmup: 30d', 'warmup: a month');
    expect(() => parseBacktestRequest(text, 'req.yaml')).toThrow(
      expect.objectContaining({
        details: {
          file: 'req.yaml',
          problems: [
            'req.yaml:1:5: id: expected 1 to 100 letters, digits, ".", "_" and "-" starting with a letter or digit, found "mom q1"',
            'req.yaml:4:5: to: must be after from (2025-01-01T00:00:00.000Z), found 2024-12-01T00:00:00.000Z',
            'req.yaml:5:11: universe: lists "A" more than once',
            'req.yaml:6:9: warmup: expected a duration, a whole number with a unit: ms, s, m, h, d or w (e.g. 30s, 15m, 2h, 7d); found "a month"',
          ],
        },
      }),
    );
  });

  it('reports missing fields, YAML errors and too many tasks', () => {
    expect(problemsOf('strategy: s')).toMatch(/req\.yaml:1:1: id: is missing/);
    expect(problemsOf('id: [unclosed')).toContain('YAML syntax error');
    expect(problemsOf(valid.replace('every: 4d', 'every: 1m'))).toContain(
      'gives 43200 tasks, more than 10000',
    );
  });

  it('publishes its JSON Schema, from the loader’s schema (the committed file is not stale)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../backtest/request.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    // If this fails: npx --no-install node --input-type=module -e "console.log(JSON.stringify((await
    // import('./backtest/index.ts')).backtestRequestJsonSchema()))" > backtest/request.schema.json; prettier.
    expect(committed).toEqual(backtestRequestJsonSchema());
  });
});
