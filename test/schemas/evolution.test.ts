import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.ts';
import { SchemaRegistry, canonicalForm, fingerprintHex } from '../../schemas/index.ts';

const historyDir = fileURLToPath(new URL('fixtures/history/', import.meta.url));
const v1File = `${historyDir}portfolio-mark.v1.avsc`;
const v1Schema: unknown = JSON.parse(readFileSync(v1File, 'utf8'));
const v1Fingerprint = fingerprintHex(canonicalForm(v1Schema));

/** What a producer still on v1 puts on the wire: header with the v1 fingerprint, then the v1 body. */
function writeV1(value: Record<string, unknown>): Buffer {
  const type = avsc.Type.forSchema(v1Schema as Parameters<typeof avsc.Type.forSchema>[0]);
  return Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(v1Fingerprint, 'hex'), type.toBuffer(value)]);
}

describe('schema evolution', () => {
  const old = {
    portfolio: 'momentum-main',
    source: 'marker-v1',
    env: 'paper',
    ts: 1_700_000_000_000,
    equity: 99.5,
  };

  it('reads a record written with an older version as the current schema', async () => {
    const registry = await SchemaRegistry.load({ extraHistoryDirs: [historyDir] });
    const marks = registry.codec('PortfolioMark');
    expect(marks.fingerprint).not.toBe(v1Fingerprint);
    // The removed field is dropped, the added one takes its default.
    const expected = {
      portfolio: 'momentum-main',
      env: 'paper',
      ts: 1_700_000_000_000,
      equity: 99.5,
      cash: null,
    };
    expect(marks.decode(writeV1(old))).toStrictEqual(expected);
    expect(registry.decodeAny(writeV1(old))).toStrictEqual({
      type: 'PortfolioMark',
      value: expected,
      writerFingerprint: v1Fingerprint,
    });
    expect(registry.versions('PortfolioMark')).toEqual([
      { fingerprint: marks.fingerprint, file: marks.schemaFile, current: true },
      { fingerprint: v1Fingerprint, file: v1File, current: false },
    ]);
  });

  it('checks old bodies against the old schema', async () => {
    const registry = await SchemaRegistry.load({ extraHistoryDirs: [historyDir] });
    const bytes = writeV1(old);
    const error = (() => {
      try {
        registry.codec('PortfolioMark').decode(bytes.subarray(0, bytes.length - 2));
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ code: 'TW_DECODE_BODY_INVALID', details: { file: v1File } });
  });

  it('without that version, the fingerprint is unknown', async () => {
    const registry = await SchemaRegistry.load();
    expect(() => registry.codec('PortfolioMark').decode(writeV1(old))).toThrow(
      expect.objectContaining({ code: 'TW_DECODE_UNKNOWN_SCHEMA' }) as Error,
    );
  });
});
