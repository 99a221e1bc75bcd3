/**
 * Cross-language interoperability: our codec (schemas/) against Apache Avro for Java, the reference
 * implementation of single-object encoding (BinaryMessageEncoder/BinaryMessageDecoder,
 * SchemaNormalization.parsingFingerprint64), for every `.avsc` in schemas/:
 *
 * - both compute the same fingerprint (and Parsing Canonical Form);
 * - records Java encodes decode with our codec to the same values, and the reverse;
 * - both write byte-identical messages for the same record (maps of at most one entry, see records.ts);
 * - longs are exact across the whole range a JavaScript number holds, ±(2^53 - 1), and refused beyond;
 * - a record Java writes with an older schema version (test/schemas/fixtures/history) is read by our
 *   codec into the current PortfolioMark, as Java's own schema resolution reads it.
 *
 * The Java program (java/) is built with Maven in beforeAll; Java 17+ and Maven must be installed
 * (the test fails, it does not skip, when they are not). Build output: test/interop/java/target/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SCHEMAS_DIR,
  RECORD_TYPES,
  SchemaRegistry,
  canonicalForm,
  isRecordTypeName,
} from '../../schemas/index.ts';
import type { Codec } from '../../schemas/index.ts';
import { AvroJson, avroJsonText } from './avro-json.ts';
import { buildJavaProgram } from './java-program.ts';
import type { JavaAvro } from './java-program.ts';
import { RECORDS } from './records.ts';

// Cold: Maven downloads Avro and its plugins into ~/.m2 (about 20 s on a fast link).
const BUILD_TIMEOUT_MS = 240_000;
const HISTORY_FIXTURES = fileURLToPath(new URL('../schemas/fixtures/history/', import.meta.url));
const V1_FILE = path.join(HISTORY_FIXTURES, 'portfolio-mark.v1.avsc');

interface SchemaFile {
  file: string;
  name: string;
  schema: unknown;
}

function readSchema(file: string): SchemaFile {
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { name: string };
  return { file, name: schema.name, schema };
}

/** Every current schema: each `.avsc` directly in schemas/. */
const SCHEMA_FILES: SchemaFile[] = readdirSync(DEFAULT_SCHEMAS_DIR)
  .filter((f) => f.endsWith('.avsc'))
  .sort()
  .map((f) => readSchema(path.join(DEFAULT_SCHEMAS_DIR, f)));

const hex = (bytes: Buffer): string => bytes.toString('hex');

/** One field of a decoded record, or 'rejected' when the codec refuses the body. */
function decodeField(codec: Codec<unknown>, bytes: Buffer, field: string): number | 'rejected' {
  try {
    return (codec.decode(bytes) as Record<string, number>)[field] as number;
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'TW_DECODE_BODY_INVALID') return 'rejected';
    throw e;
  }
}

let java: JavaAvro;
let registry: SchemaRegistry;

beforeAll(async () => {
  java = await buildJavaProgram(BUILD_TIMEOUT_MS - 10_000);
  registry = await SchemaRegistry.load();
}, BUILD_TIMEOUT_MS);

describe('interop with Apache Avro for Java', () => {
  it('covers every record type, one .avsc each', () => {
    expect(SCHEMA_FILES.map((s) => s.name).sort()).toEqual([...RECORD_TYPES].sort());
  });

  for (const { file, name, schema } of SCHEMA_FILES) {
    describe(`${name} (${path.basename(file)})`, () => {
      if (!isRecordTypeName(name)) {
        it('is a record type the registry knows', () => {
          expect.fail(`${file} defines ${name}, which is not in RECORD_TYPES`);
        });
        return;
      }
      const avroJson = new AvroJson(schema);
      const records: readonly unknown[] = RECORDS[name];
      // Byte-comparable first: maps of at most one entry (records.ts).
      const exact = records.filter((r) => avroJson.largestMap(r) <= 1);
      const all = [...exact, ...records.filter((r) => avroJson.largestMap(r) > 1)];
      const codec = (): Codec<unknown> => registry.codec(name);
      // Java's encoding of `all`, shared by the tests that need it.
      let javaEncoded: Promise<Buffer[]> | undefined;
      const encodedByJava = (): Promise<Buffer[]> =>
        (javaEncoded ??= java.encode(
          file,
          all.map((r) => avroJsonText(avroJson.toAvroJson(r))),
        ));

      it('has the fingerprint and canonical form Apache Avro computes', async () => {
        const fromJava = await java.fingerprint(file);
        expect(fromJava.canonicalForm).toBe(canonicalForm(schema));
        expect(codec().fingerprint).toBe(fromJava.fingerprint);
      });

      it('decodes what Apache Avro encodes', async () => {
        const messages = await encodedByJava();
        expect(messages.map((m) => hex(m.subarray(0, 10)))).toEqual(
          messages.map(() => `c301${codec().fingerprint}`),
        );
        expect(messages.map((m) => codec().decode(m))).toStrictEqual(all);
        for (const m of messages) {
          expect(registry.decodeAny(m)).toMatchObject({ type: name, writerFingerprint: codec().fingerprint });
        }
      });

      it('encodes what Apache Avro decodes', async () => {
        const decoded = await java.decode(
          file,
          all.map((r) => codec().encode(r)),
        );
        expect(decoded.map((json) => avroJson.fromAvroJson(json))).toStrictEqual(all);
      });

      it('writes the same bytes as Apache Avro', async () => {
        const fromJava = (await encodedByJava()).slice(0, exact.length);
        expect(exact.map((r) => hex(codec().encode(r)))).toEqual(fromJava.map(hex));
      });
    });
  }

  describe('longs at the edges of what a JavaScript number holds', () => {
    // Java longs are 64-bit; our codec holds every long a JavaScript number holds exactly,
    // ±(2^53 - 1), and refuses the others (schemas/README.md). So: every value in that range encodes
    // to Java's bytes and decodes from them exactly; every value beyond, as Java writes it, is a
    // TW_DECODE_BODY_INVALID naming the field and the value, never a changed number. Outcome has no
    // map or array, Metric has one (the codec checks such bodies before decoding them).
    const values = [
      2n ** 31n,
      2n ** 32n,
      2n ** 52n - 1n,
      2n ** 52n,
      2n ** 52n + 1n,
      2n ** 53n - 2n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 62n,
      2n ** 63n - 1n,
    ];
    const longs = [0n, ...values, ...values.map((v) => -v), -(2n ** 63n)];
    const safe = (v: bigint): boolean => v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n;
    const cases = [
      {
        type: 'Outcome',
        field: 'as_of',
        template: { asset: 'BTC-USD', as_of: 0, horizon_ms: 0, forward_return: 0.5 },
      },
      { type: 'Metric', field: 'ts', template: { name: 'up', labels: {}, value: 1, ts: 0 } },
    ] as const;

    for (const { type, field, template } of cases) {
      it(`${type}.${field}: exact within ±(2^53 - 1) with Java's bytes, refused beyond`, async () => {
        const { file } = SCHEMA_FILES.find((s) => s.name === type) as SchemaFile;
        const codec: Codec<unknown> = registry.codec(type);
        // Written as JSON text by hand: JSON.stringify cannot write a long a number does not hold.
        const lines = longs.map((v) =>
          avroJsonText({ ...template, [field]: 0 }).replace(`"${field}":0`, `"${field}":${v}`),
        );
        const messages = await java.encode(file, lines);
        const problems: string[] = [];
        longs.forEach((long, i) => {
          const fromJava = messages[i] as Buffer;
          if (!safe(long)) {
            try {
              const decoded = (codec.decode(fromJava) as Record<string, number>)[field];
              problems.push(`${long}: Java's bytes ${hex(fromJava.subarray(10))} decode to ${decoded}`);
            } catch (e: unknown) {
              const { code, details } = e as { code?: unknown; details?: Record<string, unknown> };
              const expected = { code: 'TW_DECODE_BODY_INVALID', path: field, value: `${long}` };
              const found = { code, path: details?.['path'], value: details?.['value'] };
              if (JSON.stringify(found) !== JSON.stringify(expected)) {
                problems.push(
                  `${long}: refused with ${JSON.stringify(found)}, not ${JSON.stringify(expected)}`,
                );
              }
            }
            return;
          }
          const decoded = decodeField(codec, fromJava, field);
          if (decoded === 'rejected' || BigInt(decoded) !== long) {
            problems.push(`${long}: Java's bytes ${hex(fromJava.subarray(10))} decode to ${decoded}`);
          }
          const ours = codec.encode({ ...template, [field]: Number(long) });
          if (!ours.equals(fromJava)) {
            problems.push(
              `${long}: encoded as ${hex(ours.subarray(10))}, Java writes ${hex(fromJava.subarray(10))}`,
            );
          }
        });
        expect(problems).toEqual([]);
      });
    }
  });

  describe('schema evolution: PortfolioMark written with an older version', () => {
    const v1 = readSchema(V1_FILE);
    const current = SCHEMA_FILES.find((s) => s.name === 'PortfolioMark') as SchemaFile;
    // v1 had a `source` field (since removed), no `cash` (since added) and no staging environment.
    const old = [
      { portfolio: 'momentum-main', source: 'marker-v1', env: 'paper', ts: 1_700_000_000_000, equity: 99.5 },
      { portfolio: 'legacy-組合', source: '', env: 'prod', ts: -1, equity: -0 },
    ];
    const expected = [
      { portfolio: 'momentum-main', env: 'paper', ts: 1_700_000_000_000, equity: 99.5, cash: null },
      { portfolio: 'legacy-組合', env: 'prod', ts: -1, equity: -0, cash: null },
    ];
    let written: Promise<Buffer[]> | undefined;
    const writtenByJava = (): Promise<Buffer[]> =>
      (written ??= java.encode(
        v1.file,
        old.map((r) => avroJsonText(new AvroJson(v1.schema).toAvroJson(r))),
      ));

    it('is read by our codec into the current schema', async () => {
      const withHistory = await SchemaRegistry.load({ extraHistoryDirs: [HISTORY_FIXTURES] });
      const marks = withHistory.codec('PortfolioMark');
      const v1Fingerprint = (await java.fingerprint(v1.file)).fingerprint;
      expect(withHistory.versions('PortfolioMark').map((v) => v.fingerprint)).toEqual([
        marks.fingerprint,
        v1Fingerprint,
      ]);
      const messages = await writtenByJava();
      expect(messages.map((m) => hex(m.subarray(2, 10)))).toEqual([v1Fingerprint, v1Fingerprint]);
      expect(messages.map((m) => marks.decode(m))).toStrictEqual(expected);
      expect(messages.map((m) => withHistory.decodeAny(m))).toStrictEqual(
        expected.map((value) => ({ type: 'PortfolioMark', value, writerFingerprint: v1Fingerprint })),
      );
    });

    it('resolves to the same values as Apache Avro', async () => {
      const decoded = await java.decode(current.file, await writtenByJava(), [v1.file]);
      expect(decoded.map((json) => new AvroJson(current.schema).fromAvroJson(json))).toStrictEqual(expected);
    });
  });
});
