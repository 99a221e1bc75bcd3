import { describe, expect, it } from 'vitest';
import { RECORD_TYPES, SchemaRegistry } from '../../schemas/index.ts';
import type { Codec, RecordTypeName } from '../../schemas/index.ts';
import { SAMPLES } from './samples.ts';

const registry = await SchemaRegistry.load();

function codecOf(name: RecordTypeName): Codec<unknown> {
  return registry.codec(name);
}

describe('codec round trips', () => {
  const cases = RECORD_TYPES.flatMap((name) => SAMPLES[name].map((value, i) => ({ name, i, value })));

  it.each(cases)('$name sample $i: encode → decode', ({ name, value }) => {
    const codec = codecOf(name);
    const bytes = codec.encode(value);
    expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(bytes.subarray(2, 10).toString('hex')).toBe(codec.fingerprint);
    // Plain objects, not avsc record instances: strict equality with a literal holds.
    expect(codec.decode(bytes)).toStrictEqual(value);
  });

  it.each(cases)('$name sample $i: toJson → JSON text → fromJson', ({ name, value }) => {
    const codec = codecOf(name);
    const json: unknown = JSON.parse(JSON.stringify(codec.toJson(value)));
    expect(codec.fromJson(json)).toStrictEqual(value);
  });

  it('decodeAny finds the record type by fingerprint', () => {
    for (const name of RECORD_TYPES) {
      const value = SAMPLES[name][0];
      const codec = codecOf(name);
      expect(registry.decodeAny(codec.encode(value))).toStrictEqual({
        type: name,
        value,
        writerFingerprint: codec.fingerprint,
      });
    }
  });

  it('every record type has a distinct fingerprint and one current version', () => {
    // Alert has published earlier versions: v1 before its optional description, v2 before its unit.
    expect(registry.versions('Alert').map((v) => v.current)).toEqual([true, false, false]);
    const fingerprints = RECORD_TYPES.map((name) => registry.codec(name).fingerprint);
    expect(new Set(fingerprints).size).toBe(RECORD_TYPES.length);
    for (const name of RECORD_TYPES) {
      // The current version first; published earlier versions (schemas/history/) after it.
      expect(registry.versions(name)[0]).toEqual({
        fingerprint: registry.codec(name).fingerprint,
        file: registry.codec(name).schemaFile,
        current: true,
      });
      expect(
        registry
          .versions(name)
          .slice(1)
          .every((v) => !v.current),
      ).toBe(true);
      expect(registry.codec(name).fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('keeps non-finite doubles, written as strings in JSON', () => {
    const metrics = registry.codec('Metric');
    for (const value of [NaN, Infinity, -Infinity]) {
      const metric = { name: 'x', labels: {}, value, ts: 1 };
      expect(metrics.decode(metrics.encode(metric))).toStrictEqual(metric);
      const json = metrics.toJson(metric) as { value: unknown };
      expect(json.value).toBe(String(value));
      expect(metrics.fromJson(JSON.parse(JSON.stringify(json)))).toStrictEqual(metric);
    }
  });

  it('encodes large batches and growing records (scratch buffer growth)', () => {
    const cycles = registry.codec('InferenceCycle');
    const base = SAMPLES.InferenceCycle[0] as (typeof SAMPLES.InferenceCycle)[0];
    const predictions = Array.from({ length: 5_000 }, (_, i) => ({
      asset: `ASSET-${i}`,
      score: 1 / (i + 1),
      rank: i + 1,
    }));
    const big = { ...base, predictions };
    expect(cycles.decode(cycles.encode(big))).toStrictEqual(big);
    expect(cycles.decode(cycles.encode(base))).toStrictEqual(base);
  });

  it('accepts a Uint8Array view, as Kafka clients may hand over', () => {
    const marks = registry.codec('PortfolioMark');
    const bytes = marks.encode(SAMPLES.PortfolioMark[0] as (typeof SAMPLES.PortfolioMark)[0]);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(marks.decode(padded.subarray(3) as Buffer)).toStrictEqual(SAMPLES.PortfolioMark[0]);
  });
});

describe('encode validation', () => {
  it('names every bad field with the Avro type expected and the value found', () => {
    const cycles = registry.codec('InferenceCycle');
    const base = SAMPLES.InferenceCycle[0] as (typeof SAMPLES.InferenceCycle)[0];
    const bad = {
      ...base,
      env: 'production',
      horizon_ms: 2 ** 60,
      predictions: [base.predictions[0], { asset: 'X', score: '0.5', rank: 2.5 }],
      metrics: { ok: 1, bad: 'high' },
      typo: true,
    };
    let error: unknown;
    try {
      cycles.encode(bad as never);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'TW_ENCODE_INVALID',
      details: { type: 'InferenceCycle', path: 'env' },
    });
    const message = (error as Error).message;
    expect(message).toContain('env: expected one of prod, staging, paper, found "production"');
    expect(message).toContain('horizon_ms: expected long');
    expect(message).toContain('predictions[1].score: expected double (a number), found "0.5"');
    expect(message).toContain('predictions[1].rank: expected int');
    expect(message).toContain('metrics.bad: expected double (a number), found "high"');
    expect(message).toContain('typo: expected no field of this name');
    const problems = (error as { details: { problems: { path: string }[] } }).details.problems;
    expect(problems.map((p) => p.path)).toEqual([
      'env',
      'horizon_ms',
      'metrics.bad',
      'predictions[1].score',
      'predictions[1].rank',
      'typo',
    ]);
  });

  it('writes the default of a missing field that has one, and rejects other missing fields', () => {
    const marks = registry.codec('PortfolioMark');
    const { cash: _cash, ...withoutCash } = SAMPLES.PortfolioMark[0] as (typeof SAMPLES.PortfolioMark)[0];
    expect(marks.decode(marks.encode(withoutCash as never))).toStrictEqual({ ...withoutCash, cash: null });
    const alerts = registry.codec('Alert');
    const { ends_at: _endsAt, ...withoutEnd } = SAMPLES.Alert[0] as (typeof SAMPLES.Alert)[0];
    expect(() => alerts.encode(withoutEnd as never)).toThrow(
      /ends_at: expected null or timestamp-millis \(epoch ms, a safe integer\), found nothing \(missing\)/,
    );
  });

  it('rejects unsafe longs and non-integers for timestamps', () => {
    const marks = registry.codec('PortfolioMark');
    const base = SAMPLES.PortfolioMark[0] as (typeof SAMPLES.PortfolioMark)[0];
    expect(() => marks.encode({ ...base, ts: Number.MAX_SAFE_INTEGER + 2 })).toThrow(
      /ts: expected timestamp-millis/,
    );
    expect(() => marks.encode({ ...base, ts: 1.5 })).toThrow(/ts: expected timestamp-millis/);
    expect(() => marks.encode({ ...base, ts: new Date() as never })).toThrow(/use epoch ms/);
  });

  it('ignores extra keys set to undefined, as JS spreads produce', () => {
    const marks = registry.codec('PortfolioMark');
    const base = SAMPLES.PortfolioMark[0] as (typeof SAMPLES.PortfolioMark)[0];
    expect(marks.decode(marks.encode({ ...base, extra: undefined } as never))).toStrictEqual(base);
  });
});
