import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.ts';
import { RECORD_TYPES, SchemaRegistry } from '../../schemas/index.ts';
import type { Codec, RecordTypeName } from '../../schemas/index.ts';
import { SAMPLES } from './samples.ts';
import { thrownBy } from './thrown.ts';

const registry = await SchemaRegistry.load();
const cycles = registry.codec('InferenceCycle');
const cycle = SAMPLES.InferenceCycle[0] as (typeof SAMPLES.InferenceCycle)[0];
const good = cycles.encode(cycle);

const decodeError = (decode: () => unknown): DecodeError => thrownBy(DecodeError, decode);

/** A small deterministic PRNG (mulberry32): the same garbage on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decode errors', () => {
  it('too short: not single object, saying how many bytes and which', () => {
    const error = decodeError(() => cycles.decode(Buffer.from([0xc3, 0x01, 0x02])));
    expect(error.code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
    expect(error.message).toContain('3 bytes are too few');
    expect(error.message).toContain('0xC3 0x01 0x02');
    expect(decodeError(() => cycles.decode(Buffer.alloc(0))).code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
  });

  it('wrong marker: not single object, showing the first bytes and a guess', () => {
    const confluent = Buffer.concat([Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07]), good.subarray(10)]);
    const error = decodeError(() => cycles.decode(confluent));
    expect(error.code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
    expect(error.message).toContain('start with 0x00 0x00 instead of the marker 0xC3 0x01');
    expect(error.message).toContain('Confluent');
    const json = decodeError(() => registry.decodeAny(Buffer.from(JSON.stringify(cycles.toJson(cycle)))));
    expect(json.code).toBe('TW_DECODE_NOT_SINGLE_OBJECT');
    expect(json.message).toContain('look like JSON');
  });

  it('unknown fingerprint: says it, and that the schema belongs in schemas/history', () => {
    const bytes = Buffer.from(good);
    bytes.write('0123456789abcdef', 2, 'hex');
    for (const decode of [() => cycles.decode(bytes), () => registry.decodeAny(bytes)]) {
      const error = decodeError(decode);
      expect(error.code).toBe('TW_DECODE_UNKNOWN_SCHEMA');
      expect(error.message).toContain('0123456789abcdef');
      expect(error.message).toContain('schemas/history');
      expect(error.details['fingerprint']).toBe('0123456789abcdef');
    }
  });

  it('a record of another type: unknown for this codec, naming the type it is', () => {
    const mark = registry
      .codec('PortfolioMark')
      .encode(SAMPLES.PortfolioMark[0] as (typeof SAMPLES.PortfolioMark)[0]);
    const error = decodeError(() => cycles.decode(mark));
    expect(error.code).toBe('TW_DECODE_UNKNOWN_SCHEMA');
    expect(error.message).toContain("is PortfolioMark's");
    expect(error.details['writerType']).toBe('PortfolioMark');
  });

  it('truncated body: body invalid, with the reason', () => {
    for (const cut of [1, 5, good.length - 11]) {
      const error = decodeError(() => cycles.decode(good.subarray(0, good.length - cut)));
      expect(error.code).toBe('TW_DECODE_BODY_INVALID');
      expect(error.message).toMatch(/truncated buffer/);
      expect(error.details['file']).toBe(cycles.schemaFile);
    }
    // A type without arrays or maps is read by avsc alone: its own reason is given.
    const outcomes = registry.codec('Outcome');
    const outcome = outcomes.encode(SAMPLES.Outcome[0] as (typeof SAMPLES.Outcome)[0]);
    expect(decodeError(() => outcomes.decode(outcome.subarray(0, outcome.length - 3))).message).toContain(
      'truncated buffer',
    );
  });

  it('trailing garbage: body invalid', () => {
    for (const codec of [cycles, registry.codec('Outcome')] as Codec<unknown>[]) {
      const name = codec.name;
      const bytes = Buffer.concat([codec.encode(SAMPLES[name][0]), Buffer.from([0x00, 0x42])]);
      const error = decodeError(() => codec.decode(bytes));
      expect(error.code).toBe('TW_DECODE_BODY_INVALID');
      expect(error.message).toContain('trailing data');
    }
  });

  it('a block count far beyond the bytes left fails at once instead of looping', () => {
    // Header, then the metric name, then a labels map block claiming 2^47 entries.
    const metrics = registry.codec('Metric');
    const header = metrics.encode(SAMPLES.Metric[0] as (typeof SAMPLES.Metric)[0]).subarray(0, 10);
    const name = Buffer.from([0x02, 0x61]); // "a"
    const hugeCount = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]); // varint 2^48, zig-zag 2^47
    const error = decodeError(() =>
      metrics.decode(Buffer.concat([header, name, hugeCount, Buffer.alloc(20)])),
    );
    expect(error.code).toBe('TW_DECODE_BODY_INVALID');
    expect(error.message).toMatch(
      /block of 140737488355328 items cannot fit in the 20 bytes left at byte 2 \(labels\)/,
    );
  });

  it('random garbage after a valid header never hangs: it decodes or fails with a DecodeError', () => {
    const next = random(42);
    const codecs = RECORD_TYPES.map((name: RecordTypeName) => registry.codec(name) as Codec<unknown>);
    let failures = 0;
    for (let i = 0; i < 3_000; i++) {
      const codec = codecs[i % codecs.length] as Codec<unknown>;
      const body = Buffer.from(
        Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)),
      );
      const header = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(codec.fingerprint, 'hex')]);
      try {
        codec.decode(Buffer.concat([header, body]));
      } catch (e: unknown) {
        expect(e).toBeInstanceOf(DecodeError);
        expect((e as DecodeError).code).toBe('TW_DECODE_BODY_INVALID');
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(2_000);
  });

  it('random garbage without a header: not single object or unknown schema', () => {
    const next = random(7);
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)),
      );
      if (i % 2 === 0 && bytes.length >= 2) bytes.set([0xc3, 0x01]);
      const error = decodeError(() => registry.decodeAny(bytes));
      expect(['TW_DECODE_NOT_SINGLE_OBJECT', 'TW_DECODE_UNKNOWN_SCHEMA']).toContain(error.code);
    }
  });
});
