import { describe, expect, it } from 'vitest';
import { TradewatchError } from '../../core/errors.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import type { Problem } from '../../schemas/index.ts';
import { parseIsoTimestamp } from '../../schemas/json-form.ts';
import { SAMPLES } from './samples.ts';
import { thrownBy } from './thrown.ts';

const registry = await SchemaRegistry.load();

const inputError = (read: () => unknown): TradewatchError => thrownBy(TradewatchError, read);

describe('fromJson', () => {
  const cycles = registry.codec('InferenceCycle');
  const cycleJson = cycles.toJson(SAMPLES.InferenceCycle[0] as (typeof SAMPLES.InferenceCycle)[0]) as Record<
    string,
    unknown
  >;

  it('lists every problem with its path, what was expected and what was found', () => {
    const error = inputError(() =>
      cycles.fromJson({
        ...cycleJson,
        env: 'production',
        as_of: '2025-03-03',
        horizon_ms: '1d',
        status: undefined,
        metrics: { ok: 1, bad: true },
        predictions: [
          { asset: 'BTC-USD', score: 1, rank: 1 },
          { asset: 'ETH-USD', score: 0.5, rank: 2 },
          { asset: 7, score: 0.1, rank: 3.5 },
        ],
        wieghts_version: 'w1',
      }),
    );
    expect(error.code).toBe('TW_INPUT_INVALID');
    const problems = error.details['problems'] as Problem[];
    expect(problems).toEqual([
      { path: 'env', expected: 'one of prod, staging, paper', found: '"production"' },
      {
        path: 'as_of',
        expected: 'timestamp-millis: epoch ms or ISO-8601 with a zone, e.g. "2025-03-01T12:00:00Z"',
        found: '"2025-03-03"',
      },
      { path: 'status', expected: 'one of success, failure', found: 'nothing (missing)' },
      { path: 'horizon_ms', expected: 'long (a safe integer)', found: '"1d"' },
      {
        path: 'metrics.bad',
        expected: 'double (a number, or "NaN", "Infinity", "-Infinity")',
        found: 'true',
      },
      { path: 'predictions[2].asset', expected: 'string', found: '7' },
      { path: 'predictions[2].rank', expected: 'int', found: '3.5' },
      {
        path: 'wieghts_version',
        expected: expect.stringContaining('no field of this name (did you mean weights_version?') as string,
        found: '"w1"',
      },
    ]);
    expect(error.details['path']).toBe('env');
    expect(error.message).toContain('InferenceCycle JSON is invalid (8 problems)');
    expect(error.message).toContain('  - predictions[2].rank: expected int, found 3.5');
  });

  it('rejects an unknown field even when everything else is right', () => {
    const error = inputError(() => cycles.fromJson({ ...cycleJson, colour: 'blue' }));
    expect(error.message).toContain('colour: expected no field of this name');
    expect(error.details['problems']).toHaveLength(1);
  });

  it('rejects what is not an object, and a missing required field', () => {
    expect(inputError(() => cycles.fromJson([1])).message).toContain(
      '(the record): expected an object (InferenceCycle record), found [1]',
    );
    const { strategy: _s, ...noStrategy } = cycleJson;
    expect(inputError(() => cycles.fromJson(noStrategy)).message).toContain(
      'strategy: expected string, found nothing (missing)',
    );
  });

  it('takes defaults for missing optional fields with a default, and writes optionals plainly', () => {
    const marks = registry.codec('PortfolioMark');
    expect(marks.fromJson({ portfolio: 'p', env: 'paper', ts: 5, equity: 1 })).toStrictEqual({
      portfolio: 'p',
      env: 'paper',
      ts: 5,
      equity: 1,
      cash: null,
    });
    expect(marks.fromJson({ portfolio: 'p', env: 'paper', ts: 5, equity: 1, cash: 12.5 })).toMatchObject({
      cash: 12.5,
    });
    // Alert.value has no default: it must be given, null or a number.
    const alert = registry.codec('Alert').toJson(SAMPLES.Alert[1] as (typeof SAMPLES.Alert)[1]) as Record<
      string,
      unknown
    >;
    const { value: _v, ...noValue } = alert;
    expect(inputError(() => registry.codec('Alert').fromJson(noValue)).message).toContain(
      'value: expected null or double',
    );
  });

  it('accepts timestamps as epoch ms or ISO-8601 with a zone', () => {
    const marks = registry.codec('PortfolioMark');
    const base = { portfolio: 'p', env: 'prod', equity: 1 };
    const expected = Date.UTC(2025, 2, 3, 14, 30, 0, 250);
    for (const ts of [
      expected,
      '2025-03-03T14:30:00.250Z',
      '2025-03-03T15:30:00.250+01:00',
      '2025-03-03T09:30:00.250-0500',
      '2025-03-03T14:30:00.250999Z',
      '2025-03-03 14:30:00.25z',
    ]) {
      expect(marks.fromJson({ ...base, ts }).ts).toBe(expected);
    }
    expect(marks.fromJson({ ...base, ts: '2025-03-03T14:30Z' }).ts).toBe(Date.UTC(2025, 2, 3, 14, 30));
    expect(marks.fromJson({ ...base, ts: -1 }).ts).toBe(-1);
    const bad = inputError(() => marks.fromJson({ ...base, ts: '2025-03-03T14:30:00' }));
    expect(bad.message).toContain('ts: expected timestamp-millis: epoch ms or ISO-8601');
  });

  it('rejects impossible dates and unsafe numbers', () => {
    expect(parseIsoTimestamp('2025-02-30T00:00:00Z')).toBeUndefined();
    expect(parseIsoTimestamp('2025-13-01T00:00:00Z')).toBeUndefined();
    expect(parseIsoTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    const marks = registry.codec('PortfolioMark');
    const error = inputError(() => marks.fromJson({ portfolio: 'p', env: 'prod', equity: 1, ts: 2 ** 60 }));
    expect(error.message).toContain('ts: expected timestamp-millis');
    const outcome = registry.codec('Outcome');
    expect(
      inputError(() => outcome.fromJson({ asset: 'a', as_of: 0, horizon_ms: 1.5, forward_return: 0 }))
        .message,
    ).toContain('horizon_ms: expected long (a safe integer), found 1.5');
  });

  it('writes map paths readably, quoting unusual keys', () => {
    const metrics = registry.codec('Metric');
    const error = inputError(() =>
      metrics.fromJson({ name: 'm', value: 1, ts: 1, labels: { 'a b': 1, ok: 'x' } }),
    );
    expect(error.message).toContain('labels["a b"]: expected string, found 1');
  });

  it('keeps a "__proto__" map key as a key', () => {
    const metrics = registry.codec('Metric');
    const value = metrics.fromJson(JSON.parse('{"name":"m","value":1,"ts":1,"labels":{"__proto__":"x"}}'));
    expect(Object.keys(value.labels)).toEqual(['__proto__']);
  });
});
