import { readFileSync } from 'node:fs';
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { canonicalForm } from '../../schemas/canonical-form.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { fingerprintHex, rabin64 } from '../../schemas/rabin.ts';

interface Vector {
  id: string;
  input: string;
  canonical: string;
  fingerprint?: string;
}

/** Parses the Avro project's schema-tests.txt: `<<INPUT x` or a `<<INPUT` ... `INPUT` block, then the outputs. */
function officialVectors(): Vector[] {
  const text = readFileSync(new URL('fixtures/avro-schema-tests.txt', import.meta.url), 'utf8');
  const vectors: Vector[] = [];
  const pattern =
    /^\/\/ (\d{3})$|^<<INPUT (.*)$|^<<INPUT\n([\s\S]*?)\nINPUT$|^<<canonical (.*)$|^<<fingerprint (.*)$/gm;
  let id = '';
  for (const match of text.matchAll(pattern)) {
    const [, number, inline, block, canonical, fingerprint] = match;
    if (number !== undefined) id = number;
    else if (inline !== undefined || block !== undefined)
      vectors.push({ id, input: inline ?? block ?? '', canonical: '' });
    else if (canonical !== undefined) (vectors.at(-1) as Vector).canonical = canonical;
    else if (fingerprint !== undefined) (vectors.at(-1) as Vector).fingerprint = fingerprint;
  }
  return vectors;
}

interface ExtraVector {
  source: string;
  input?: unknown;
  inputText?: string;
  canonical?: string;
  fingerprintOfText?: string;
  fingerprint?: string;
  fingerprintHex?: string;
}

const extra = JSON.parse(
  readFileSync(new URL('fixtures/extra-canonical-vectors.json', import.meta.url), 'utf8'),
) as { vectors: ExtraVector[] };

/** The fingerprint as Java prints it: a signed 64-bit decimal. */
function javaFingerprint(canonical: string): string {
  return BigInt.asIntN(64, rabin64(Buffer.from(canonical, 'utf8'))).toString();
}

describe('Parsing Canonical Form and CRC-64-AVRO', () => {
  const vectors = officialVectors();

  it('reads all 34 vectors of the Avro project', () => {
    expect(vectors.map((v) => v.id)).toEqual(
      Array.from({ length: 34 }, (_, i) => String(i).padStart(3, '0')),
    );
    expect(vectors.filter((v) => v.fingerprint !== undefined).length).toBeGreaterThan(20);
  });

  it.each(vectors)('official vector $id', ({ input, canonical, fingerprint }) => {
    const form = canonicalForm(JSON.parse(input));
    expect(form).toBe(canonical);
    if (fingerprint !== undefined) expect(javaFingerprint(form)).toBe(fingerprint);
  });

  it.each(extra.vectors)('$source', (vector) => {
    if (vector.fingerprintOfText !== undefined) {
      expect(fingerprintHex(vector.fingerprintOfText)).toBe(vector.fingerprintHex);
      return;
    }
    const input: unknown = vector.inputText === undefined ? vector.input : JSON.parse(vector.inputText);
    const form = canonicalForm(input);
    expect(form).toBe(vector.canonical);
    if (vector.fingerprint !== undefined) expect(javaFingerprint(form)).toBe(vector.fingerprint);
    if (vector.fingerprintHex !== undefined) expect(fingerprintHex(form)).toBe(vector.fingerprintHex);
  });

  it('writes the fingerprint little-endian, as on the wire', () => {
    // 7195948357588979594 is "null" (vector 000) = 0x63dd24e7cc258f8a.
    expect(fingerprintHex('"null"')).toBe('8a8f25cce724dd63');
  });

  it('rejects references to undefined types', () => {
    expect(() => canonicalForm({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Nope' }] })).toThrow(
      /unknown type "Nope"/,
    );
  });

  // Finding, kept as a test: for our schemas avsc's Type#schema() output is exactly the canonical form
  // (logicalType dropped since we register no logical types, names qualified, spec order). We still
  // compute the form ourselves: avsc does not document that output as canonical.
  it('agrees with avsc Type#schema() on our schemas', async () => {
    const registry = await SchemaRegistry.load();
    for (const name of ['PortfolioMark', 'Alert', 'InferenceCycle', 'Trade'] as const) {
      const file = registry.codec(name).schemaFile;
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const type = avsc.Type.forSchema(json as Parameters<typeof avsc.Type.forSchema>[0]);
      expect(JSON.stringify(type.schema())).toBe(canonicalForm(json));
      expect(fingerprintHex(canonicalForm(json))).toBe(registry.codec(name).fingerprint);
    }
  });
});
