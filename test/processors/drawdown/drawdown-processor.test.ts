import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { inMemorySource, isRejection } from '../../../processors/contract.ts';
import { createDrawdownProcessor, type DrawdownState } from '../../../processors/drawdown/index.ts';
import { isLateRejection, LATE_REJECTION_PREFIX } from '../../../processors/drawdown/late.ts';
import {
  collectingContext,
  drawdownRowOf,
  HOUR,
  mark,
  metricsOf,
  MINUTE,
  outputsOf,
  StreamRunner,
  T0,
} from './helpers.ts';

const runner = (options?: Parameters<typeof createDrawdownProcessor>[0]): StreamRunner =>
  new StreamRunner(createDrawdownProcessor(options));

describe('drawdown processor: contract', () => {
  it('reads portfolio.marks, keys state by portfolio only, starts empty', () => {
    const processor = createDrawdownProcessor();
    expect(processor.name).toBe('drawdown');
    expect(processor.inputs).toEqual([{ topic: 'portfolio.marks', type: 'PortfolioMark' }]);
    const source = inMemorySource(processor.inputs[0]!);
    expect(processor.key(mark(T0, 1, 'momentum-main', 'paper'), source)).toBe('momentum-main');
    expect(processor.initialState('momentum-main', mark(T0, 1), source)).toEqual({ envs: {} });
  });

  it('emits four metric points and two rows per mark, at the mark’s ts, labelled by portfolio and env', () => {
    const run = runner();
    const [first] = run.run([mark(T0, 1000, 'p1', 'prod', 250)]);
    const labels = { portfolio: 'p1', env: 'prod' };
    expect(outputsOf(first)).toEqual([
      { kind: 'metric', metric: { name: 'drawdown_1h', labels, value: 0, ts: T0 } },
      { kind: 'metric', metric: { name: 'drawdown_daily', labels, value: 0, ts: T0 } },
      { kind: 'metric', metric: { name: 'max_drawdown_1h', labels, value: 0, ts: T0 } },
      { kind: 'metric', metric: { name: 'max_drawdown_daily', labels, value: 0, ts: T0 } },
      {
        kind: 'row',
        row: { table: 'portfolio_marks', ts: T0, symbols: labels, columns: { equity: 1000, cash: 250 } },
      },
      {
        kind: 'row',
        row: {
          table: 'drawdown',
          ts: T0,
          symbols: labels,
          columns: {
            equity: 1000,
            drawdown_1h: 0,
            drawdown_daily: 0,
            max_drawdown_1h: 0,
            max_drawdown_daily: 0,
            peak_1h: 1000,
            peak_daily: 1000,
          },
        },
      },
    ]);
  });

  it('uses event time only: the clock is never read', () => {
    const processor = createDrawdownProcessor();
    const { context, outputs } = collectingContext({
      now: () => {
        throw new Error('the clock was read');
      },
    });
    const state = processor.initialState('p1', mark(T0, 100), inMemorySource(processor.inputs[0]!));
    processor.process(mark(T0, 100), state, context);
    processor.process(mark(T0 + MINUTE, 90), state, context);
    expect(outputs).toHaveLength(12);
  });

  it('rejects invalid options, listing every problem', () => {
    expect(() => createDrawdownProcessor({ windowMs: 0, graceMs: -1 })).toThrow(ConfigError);
    let thrown: unknown;
    try {
      createDrawdownProcessor({ windowMs: 1.5, graceMs: Number.NaN });
    } catch (e: unknown) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      'windowMs must be a positive integer of milliseconds; got 1.5',
      'graceMs must be a non-negative integer of milliseconds; got NaN',
    ]);
    expect(() => createDrawdownProcessor({ graceMS: 1 } as never)).toThrow(/unknown option graceMS/);
  });
});

describe('drawdown processor: trailing window', () => {
  it('a mark exactly windowMs before is out of the window, one a millisecond later is in', () => {
    const results = runner().run([
      mark(T0, 200),
      mark(T0 + 1, 150),
      mark(T0 + HOUR, 100), // window (T0, T0+1h]: 200 is out, 150 is in
      mark(T0 + HOUR + 1, 100), // window (T0+1, T0+1h+1]: 150 is out too
    ]);
    expect(metricsOf(results[2])).toEqual({
      drawdown_1h: 1 - 100 / 150,
      max_drawdown_1h: 1 - 100 / 150,
      drawdown_daily: 1 - 100 / 200,
      max_drawdown_daily: 1 - 100 / 200,
    });
    expect(drawdownRowOf(results[2])).toMatchObject({ peak_1h: 150, peak_daily: 200 });
    expect(metricsOf(results[3])).toMatchObject({ drawdown_1h: 0, max_drawdown_1h: 0 });
    expect(drawdownRowOf(results[3])).toMatchObject({ peak_1h: 100, peak_daily: 200 });
  });

  it('keeps a tied peak alive until its newest occurrence leaves the window', () => {
    const results = runner().run([
      mark(T0, 100),
      mark(T0 + 10 * MINUTE, 100),
      mark(T0 + 20 * MINUTE, 100),
      mark(T0 + HOUR, 90), // T0 is out; the ties at +10 and +20 min are in
      mark(T0 + HOUR + 20 * MINUTE, 90), // every 100 is out
    ]);
    expect(metricsOf(results[1])).toMatchObject({ drawdown_1h: 0, max_drawdown_1h: 0 });
    expect(drawdownRowOf(results[3])).toMatchObject({ peak_1h: 100, drawdown_1h: 1 - 90 / 100 });
    expect(drawdownRowOf(results[4])).toMatchObject({ peak_1h: 90, drawdown_1h: 0, max_drawdown_1h: 0 });
  });

  it('honours a custom window', () => {
    const results = runner({ windowMs: 10 * MINUTE }).run([
      mark(T0, 100),
      mark(T0 + 10 * MINUTE, 80),
      mark(T0 + 10 * MINUTE + 1, 80),
    ]);
    expect(metricsOf(results[1])).toMatchObject({ drawdown_1h: 0 });
    expect(metricsOf(results[2])).toMatchObject({ drawdown_1h: 0, drawdown_daily: 1 - 80 / 100 });
  });
});

describe('drawdown processor: max drawdown', () => {
  it('counts a peak before a trough, never a trough before a peak', () => {
    const results = runner().run([mark(T0, 80), mark(T0 + MINUTE, 100), mark(T0 + 2 * MINUTE, 90)]);
    // 80 → 100 is a gain, not a 20% drawdown; 100 → 90 is the max drawdown.
    expect(metricsOf(results[1])).toMatchObject({ max_drawdown_1h: 0, max_drawdown_daily: 0 });
    expect(metricsOf(results[2])).toEqual({
      drawdown_1h: 1 - 90 / 100,
      drawdown_daily: 1 - 90 / 100,
      max_drawdown_1h: 1 - 90 / 100,
      max_drawdown_daily: 1 - 90 / 100,
    });
  });

  it('remembers a deeper earlier drawdown after a recovery, while it is in the window', () => {
    const results = runner().run([
      mark(T0, 100),
      mark(T0 + 10 * MINUTE, 60),
      mark(T0 + 20 * MINUTE, 120),
      mark(T0 + 30 * MINUTE, 108),
      mark(T0 + HOUR + 10 * MINUTE, 108), // 100 and 60 have left the window; 120 → 108 remains
    ]);
    expect(metricsOf(results[3])).toEqual({
      drawdown_1h: 1 - 108 / 120,
      drawdown_daily: 1 - 108 / 120,
      max_drawdown_1h: 1 - 60 / 100,
      max_drawdown_daily: 1 - 60 / 100,
    });
    expect(metricsOf(results[4])).toEqual({
      drawdown_1h: 1 - 108 / 120,
      drawdown_daily: 1 - 108 / 120,
      max_drawdown_1h: 1 - 108 / 120,
      max_drawdown_daily: 1 - 60 / 100,
    });
  });
});

describe('drawdown processor: daily figures', () => {
  it('reset at 00:00 UTC, while the trailing window spans midnight', () => {
    const midnight = Date.UTC(2024, 0, 16);
    const results = runner().run([
      mark(midnight - MINUTE, 100),
      mark(midnight - 30_000, 80),
      mark(midnight, 90), // a new day: its first mark
      mark(midnight + MINUTE, 81),
    ]);
    expect(metricsOf(results[1])).toMatchObject({ drawdown_daily: 1 - 80 / 100 });
    expect(metricsOf(results[2])).toEqual({
      drawdown_1h: 1 - 90 / 100,
      max_drawdown_1h: 1 - 80 / 100,
      drawdown_daily: 0,
      max_drawdown_daily: 0,
    });
    expect(drawdownRowOf(results[2])).toMatchObject({ peak_1h: 100, peak_daily: 90 });
    expect(metricsOf(results[3])).toMatchObject({
      drawdown_daily: 1 - 81 / 90,
      max_drawdown_daily: 1 - 81 / 90,
    });
  });
});

describe('drawdown processor: out of order and late marks', () => {
  it('folds in a mark within the grace period, computing its own figures from the marks before it', () => {
    const run = runner();
    const results = run.run([
      mark(T0, 100),
      mark(T0 + 2 * MINUTE, 80),
      mark(T0 + MINUTE, 120), // 1 minute late: sees 100 then 120
      mark(T0 + 3 * MINUTE, 90), // sees 100, 120, 80, 90 in ts order
    ]);
    expect(metricsOf(results[2])).toEqual({
      drawdown_1h: 0,
      drawdown_daily: 0,
      max_drawdown_1h: 0,
      max_drawdown_daily: 0,
    });
    expect(drawdownRowOf(results[2])).toMatchObject({ peak_1h: 120, peak_daily: 120 });
    expect(metricsOf(results[3])).toEqual({
      drawdown_1h: 1 - 90 / 120,
      drawdown_daily: 1 - 90 / 120,
      max_drawdown_1h: 1 - 80 / 120,
      max_drawdown_daily: 1 - 80 / 120,
    });
  });

  it('accepts a mark exactly graceMs behind and rejects one a millisecond later, with `late:`', () => {
    const run = runner({ graceMs: 5 * MINUTE });
    run.run([mark(T0, 100), mark(T0 + 10 * MINUTE, 100)]);
    const stateBefore = JSON.stringify(run.states.get('p1'));
    const late = run.process(mark(T0 + 5 * MINUTE - 1, 50));
    expect(isRejection(late)).toBe(true);
    if (!isRejection(late)) return;
    expect(late.reject.startsWith(LATE_REJECTION_PREFIX)).toBe(true);
    expect(isLateRejection(late)).toBe(true);
    expect(late.reject).toContain('300001 ms older than the newest mark');
    expect(late.reject).toContain('1 ms beyond the grace period of 300000 ms');
    expect(JSON.stringify(run.states.get('p1'))).toBe(stateBefore);
    expect(isRejection(run.process(mark(T0 + 5 * MINUTE, 50)))).toBe(false);
  });

  it('restates a mark sent again with another equity (last write wins, like the sink’s upsert)', () => {
    const results = runner().run([
      mark(T0, 100),
      mark(T0 + MINUTE, 50),
      mark(T0 + MINUTE, 95), // restated
      mark(T0 + 2 * MINUTE, 95),
    ]);
    expect(metricsOf(results[2])).toMatchObject({ drawdown_1h: 1 - 95 / 100 });
    expect(metricsOf(results[3])).toMatchObject({ max_drawdown_1h: 1 - 95 / 100 });
  });
});

describe('drawdown processor: duplicates', () => {
  it('re-emits the same outputs for a replay and leaves the state as it was', () => {
    const run = runner();
    const stream = [
      mark(T0, 100, 'p1', 'prod', 10),
      mark(T0 + MINUTE, 90, 'p1', 'prod', 10),
      mark(T0 + 2 * MINUTE, 95, 'p1', 'prod', 10),
    ];
    const first = run.run(stream);
    const state = JSON.stringify(run.states.get('p1'));
    const replay = run.run(stream.slice(1)); // a replay after a crash
    expect(replay).toEqual(first.slice(1));
    expect(JSON.stringify(run.states.get('p1'))).toBe(state);
  });

  it('says so when a mark beyond the grace period repeats one already folded in', () => {
    const run = runner();
    run.run([mark(T0, 100), mark(T0 + 10 * MINUTE, 90)]);
    const replay = run.process(mark(T0, 100));
    expect(isRejection(replay) && isLateRejection(replay)).toBe(true);
    expect(JSON.stringify(replay)).toContain('repeats a mark already folded in');
  });
});

describe('drawdown processor: invalid marks', () => {
  it.each([
    ['equity', 0, 'equity must be a finite number > 0', 'got 0'],
    ['equity', -5, 'equity must be a finite number > 0', 'got -5'],
    ['equity', Number.NaN, 'equity must be a finite number > 0', 'got NaN'],
    ['equity', Number.POSITIVE_INFINITY, 'equity must be a finite number > 0', 'got Infinity'],
    ['ts', 1.5, 'ts must be a safe integer of epoch milliseconds', 'got 1.5'],
    ['ts', 2 ** 53, 'ts must be a safe integer of epoch milliseconds', 'got 9007199254740992'],
    ['cash', Number.NaN, 'cash must be null or a finite number', 'got NaN'],
  ] as const)('rejects %s = %s, saying what is expected', (field, value, expected, got) => {
    const run = runner();
    run.process(mark(T0, 100));
    const state = JSON.stringify(run.states.get('p1'));
    const result = run.process({ ...mark(T0 + MINUTE, 100), [field]: value });
    expect(isRejection(result)).toBe(true);
    if (!isRejection(result)) return;
    expect(isLateRejection(result)).toBe(false);
    expect(result.reject).toContain(expected);
    expect(result.reject).toContain(got);
    expect(result.reject).toContain('portfolio p1, env prod');
    expect(JSON.stringify(run.states.get('p1'))).toBe(state);
  });
});

describe('drawdown processor: environments', () => {
  it('keeps the environments of one portfolio apart, in one state', () => {
    const run = runner();
    const results = run.run([
      mark(T0, 100, 'p1', 'prod'),
      mark(T0 + MINUTE, 50, 'p1', 'paper'),
      mark(T0 + 2 * MINUTE, 90, 'p1', 'prod'),
      mark(T0 + 3 * MINUTE, 45, 'p1', 'paper'),
    ]);
    expect(metricsOf(results[1])).toMatchObject({ drawdown_1h: 0, drawdown_daily: 0 });
    expect(metricsOf(results[2])).toMatchObject({ drawdown_1h: 1 - 90 / 100 });
    expect(metricsOf(results[3])).toMatchObject({ drawdown_1h: 1 - 45 / 50 });
    const state = run.states.get('p1') as DrawdownState;
    expect(Object.keys(state.envs).sort()).toEqual(['paper', 'prod']);
    expect([...run.states.keys()]).toEqual(['p1']);
  });

  it('does not count a paper mark as late against the prod mark clock', () => {
    const run = runner();
    run.process(mark(T0 + HOUR, 100, 'p1', 'prod'));
    expect(isRejection(run.process(mark(T0, 100, 'p1', 'paper')))).toBe(false);
  });
});

describe('drawdown processor: durable state', () => {
  it('gives the same outputs after a JSON round trip of the state mid-stream', () => {
    const stream = [];
    for (let i = 0; i < 400; i += 1) {
      const ts = T0 + i * 20_000 - (i % 7 === 3 ? 70_000 : 0); // some marks out of order
      stream.push(mark(ts, 1000 + ((i * 37) % 101) - (i % 13) * 3, 'p1', i % 3 === 0 ? 'paper' : 'prod'));
    }
    const uninterrupted = runner({ windowMs: 30 * MINUTE }).run(stream);
    const restored = runner({ windowMs: 30 * MINUTE });
    const firstHalf = restored.run(stream.slice(0, 200));
    restored.roundTripStates();
    const secondHalf = restored.run(stream.slice(200));
    expect([...firstHalf, ...secondHalf]).toEqual(uninterrupted);
  });
});
