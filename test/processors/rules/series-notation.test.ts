import { describe, expect, it } from 'vitest';
import { expandValues, parseSeries } from '../../../processors/rules/index.ts';

describe('rule tests: expanding notation (as promtool)', () => {
  it('expands a+bxN, a-bxN and axN to N+1 values', () => {
    expect(expandValues('-2+4x3')).toEqual([-2, 2, 6, 10]);
    expect(expandValues(' 1-2x4')).toEqual([1, -1, -3, -5, -7]);
    expect(expandValues('1x4')).toEqual([1, 1, 1, 1, 1]);
    expect(expandValues('0.01 0.02 0.06x3 0.03')).toEqual([0.01, 0.02, 0.06, 0.06, 0.06, 0.06, 0.03]);
    // 0.5 + i·0.25 for i = 0..2.
    expect(expandValues('0.5+0.25x2')).toEqual([0.5, 0.75, 1]);
    expect(expandValues('1e-3x1 2.5e2')).toEqual([0.001, 0.001, 250]);
  });

  it('reads _ and _xN as missing samples (N of them), stale as missing, and special numbers', () => {
    expect(expandValues('1 _x3 stale 2')).toEqual([1, null, null, null, null, 2]);
    expect(expandValues('_ NaN Inf -Inf +Inf')).toEqual([
      null,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(expandValues('')).toEqual([]);
  });

  it('names the token it cannot read, and refuses absurd lengths', () => {
    expect(expandValues('1 2 abc 3')).toEqual({
      problem: expect.stringMatching(/^cannot read "abc": expected a number, a\+bxN/) as unknown,
    });
    expect(expandValues('1x')).toEqual({ problem: expect.stringMatching(/cannot read "1x"/) as unknown });
    expect(expandValues('0x1000000')).toEqual({ problem: 'more than 100000 values: split the series' });
  });
});

describe('rule tests: series selectors', () => {
  it('reads a name and quoted labels', () => {
    expect(parseSeries('drawdown_1h{portfolio="alpha",env="prod"}')).toEqual({
      name: 'drawdown_1h',
      labels: { portfolio: 'alpha', env: 'prod' },
    });
    expect(parseSeries(" up { job = 'a \\'b\\'', x=\"\" , } ")).toEqual({
      name: 'up',
      labels: { job: "a 'b'", x: '' },
    });
    expect(parseSeries('up')).toEqual({ name: 'up', labels: {} });
  });

  it('says what is wrong', () => {
    expect(parseSeries('{a="b"}')).toEqual({
      problem: expect.stringMatching(/must start with the metric name/) as unknown,
    });
    expect(parseSeries('m{a=b}')).toEqual({
      problem: expect.stringMatching(/the value of a must be quoted/) as unknown,
    });
    expect(parseSeries('m{a="b" c="d"}')).toEqual({
      problem: expect.stringMatching(/expected "," or "}"/) as unknown,
    });
    expect(parseSeries('m{a="b",a="c"}')).toEqual({ problem: 'label a is given twice' });
    expect(parseSeries('m a')).toEqual({
      problem: expect.stringMatching(/labels go in \{\.\.\.\}/) as unknown,
    });
  });
});
