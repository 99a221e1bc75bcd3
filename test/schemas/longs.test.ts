/**
 * Longs at the edges of what a JavaScript number holds, with bytes computed by hand (zig-zag, then a
 * little-endian base-128 varint), so the behaviour is pinned where the Java interop test does not run.
 * Every safe integer, ±(2^53 - 1), is held exactly; any other long on the wire is refused.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError, TradewatchError } from '../../core/errors.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { thrownBy } from './thrown.ts';

const registry = await SchemaRegistry.load();
const outcomes = registry.codec('Outcome');
const metrics = registry.codec('Metric');

const hex = (text: string): Buffer => Buffer.from(text.replace(/ /g, ''), 'hex');
const ONE = '000000000000f03f'; // the double 1.0, little-endian

// Outcome: asset "A", as_of (a timestamp-millis, written {"type": "long", ...}), horizon_ms (written
// "long"), forward_return 1.0. No map or array: avsc reads it directly.
const outcomeBody = (asOf: string, horizon = '00'): Buffer => hex(`0241 ${asOf} ${horizon} ${ONE}`);
// Metric: name "n", labels {} (a map: the codec checks the body before avsc reads it), value 1.0, ts.
const metricBody = (ts: string): Buffer => hex(`026e 00 ${ONE} ${ts}`);

const message = (codec: { fingerprint: string }, body: Buffer): Buffer =>
  Buffer.concat([hex(`c301${codec.fingerprint}`), body]);

/** [value, its varint] for longs a number holds exactly. */
const EXACT: [number, string][] = [
  [0, '00'],
  [-1, '01'],
  [2 ** 31, '80 80 80 80 10'],
  [2 ** 52, '80 80 80 80 80 80 80 10'],
  [-(2 ** 52) - 1, '81 80 80 80 80 80 80 10'],
  [2 ** 53 - 1, 'fe ff ff ff ff ff ff 1f'],
  [-(2 ** 53 - 1), 'fd ff ff ff ff ff ff 1f'],
];

/** [value as written, its varint] for longs a number does not hold exactly. */
const REFUSED: [bigint, string][] = [
  [2n ** 53n, '80 80 80 80 80 80 80 20'],
  [-(2n ** 53n), 'ff ff ff ff ff ff ff 1f'],
  [2n ** 63n - 1n, 'fe ff ff ff ff ff ff ff ff 01'],
  [-(2n ** 63n), 'ff ff ff ff ff ff ff ff ff 01'],
];

const decodeError = (decode: () => unknown): DecodeError => thrownBy(DecodeError, decode);

describe('longs', () => {
  it.each(EXACT)('%d: encodes to its varint and decodes back exactly', (value, varint) => {
    const outcome = { asset: 'A', as_of: value, horizon_ms: value, forward_return: 1 };
    const outcomeBytes = message(outcomes, outcomeBody(varint, varint));
    expect(outcomes.encode(outcome).toString('hex')).toBe(outcomeBytes.toString('hex'));
    expect(outcomes.decode(outcomeBytes)).toStrictEqual(outcome);
    const metric = { name: 'n', labels: {}, value: 1, ts: value };
    const metricBytes = message(metrics, metricBody(varint));
    expect(metrics.encode(metric).toString('hex')).toBe(metricBytes.toString('hex'));
    expect(metrics.decode(metricBytes)).toStrictEqual(metric);
  });

  it.each(REFUSED)('%d on the wire: refused, naming the field and the value', (value, varint) => {
    const cases = [
      {
        bytes: message(outcomes, outcomeBody(varint)),
        decode: outcomes.decode.bind(outcomes),
        path: 'as_of',
      },
      {
        bytes: message(outcomes, outcomeBody('00', varint)),
        decode: outcomes.decode.bind(outcomes),
        path: 'horizon_ms',
      },
      { bytes: message(metrics, metricBody(varint)), decode: metrics.decode.bind(metrics), path: 'ts' },
    ];
    for (const { bytes, decode, path } of cases) {
      const error = decodeError(() => decode(bytes));
      expect(error.code).toBe('TW_DECODE_BODY_INVALID');
      expect(error.details).toMatchObject({ path, value: `${value}` });
      expect(error.message).toContain(`long ${value} is beyond what a JavaScript number holds exactly`);
      expect(error.message).toContain(`(${path})`);
    }
  });

  it('refuses a varint of more than 64 bits in a body with a map', () => {
    const error = decodeError(() =>
      metrics.decode(message(metrics, metricBody('ff ff ff ff ff ff ff ff ff 03'))),
    );
    expect(error.code).toBe('TW_DECODE_BODY_INVALID');
    expect(error.message).toContain('long varint beyond 64 bits at byte 11 (ts)');
  });

  it('encodes ±(2^53 - 1) and refuses anything beyond on encode', () => {
    const outcome = { asset: 'A', as_of: 0, horizon_ms: 0, forward_return: 1 };
    for (const ok of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(outcomes.decode(outcomes.encode({ ...outcome, horizon_ms: ok }))).toStrictEqual({
        ...outcome,
        horizon_ms: ok,
      });
    }
    for (const bad of [2 ** 53, -(2 ** 53), 2 ** 63]) {
      const thrown = thrownBy(TradewatchError, () => outcomes.encode({ ...outcome, horizon_ms: bad }));
      expect(thrown).toMatchObject({ code: 'TW_ENCODE_INVALID', details: { path: 'horizon_ms' } });
    }
    expect(outcomes.fromJson({ ...outcome, horizon_ms: Number.MAX_SAFE_INTEGER }).horizon_ms).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(() => outcomes.fromJson({ ...outcome, horizon_ms: 2 ** 53 })).toThrow(/horizon_ms: expected long/);
  });
});
