/**
 * The four kafkajs patches (patches/README.md): the installed kafkajs carries them, each keeps its
 * function's results, and records of every shape the port sends survive a round trip through the
 * real broker, which checks every record batch's CRC32C and layout and refuses a corrupt one.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { readToEnd, type IncomingRecord, type OutgoingRecord } from '../../../runtime/kafka/index.ts';
import { kafkajsPatches } from '../../../runtime/kafka/kafkajs-patches.ts';
import { partitionOfKey } from '../../../topics/partition-of.ts';
import { testAdmin, testKafka } from '../../helpers/kafka.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const require = createRequire(import.meta.url);

interface EncoderLike {
  buf: Buffer;
  readonly buffer: Buffer;
  writeInt32(v: number): EncoderLike;
  writeVarInt(v: number): EncoderLike;
  writeUVarInt(v: number): EncoderLike;
  writeVarLong(v: number): EncoderLike;
  writeVarIntString(v: string): EncoderLike;
  writeVarIntBytes(v: Buffer): EncoderLike;
  writeString(v: string): EncoderLike;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as (new (size?: number) => EncoderLike) & {
  sizeOfVarInt(v: number): number;
  sizeOfVarLong(v: number): number;
};
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
type Grouping = (o: {
  topic: string;
  partitionMetadata: readonly { partitionId: number }[];
  messages: readonly { key: string }[];
  partitioner: (o: { message: { key: string } }) => number;
}) => Record<string, { key: string }[]>;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as Grouping;

/** CRC-32C one byte at a time, from its definition (reflected polynomial 0x82F63B78). */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** An unsigned LEB128 varint, from its definition. */
function referenceUVarint(value: bigint): string {
  const bytes: number[] = [];
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Buffer.from(bytes).toString('hex');
}

/** The zig-zag varint of a signed integer of `bits` bits, from its definition. */
function referenceZigZag(value: number, bits: 32 | 64): string {
  const v = BigInt.asIntN(bits, BigInt(value));
  return referenceUVarint(BigInt.asUintN(bits, (v << 1n) ^ (v >> BigInt(bits - 1))));
}

describe('the kafkajs patches', () => {
  it('are all applied to the installed kafkajs', () => {
    const patches = kafkajsPatches();
    expect(patches.map((p) => p.name)).toHaveLength(4);
    expect(patches.filter((p) => !p.applied)).toEqual([]);
  });

  it('CRC32C: the standard check value, and the bit-by-bit definition for every length and offset', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    const bytes = randomBytes(70_000);
    for (let length = 0; length < 300; length += 1) {
      // Odd offsets too: the eight-byte steps must not assume alignment.
      const slice = bytes.subarray(length % 7, (length % 7) + length);
      expect(crc32C(slice)).toBe(referenceCrc32c(slice));
    }
    expect(crc32C(bytes)).toBe(referenceCrc32c(bytes));
  });

  it('grouping by partition: every message once, in its order, under its partitioner partition', () => {
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId }));
    const messages = Array.from({ length: 5_000 }, (_, i) => ({ key: `series-${i % 731}` }));
    const partitioner = ({ message }: { message: { key: string } }): number => partitionOfKey(message.key, 6);
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const expected: Record<string, { key: string }[]> = {};
    for (const m of messages) (expected[String(partitionOfKey(m.key, 6))] ??= []).push(m);
    expect(grouped).toEqual(expected);
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual(
      {},
    );
  });

  it('encoder: the bytes written, whatever its buffer held before; only those exposed', () => {
    // Its buffer is not zero-filled: fill it with garbage, as old pool memory would be; a byte
    // exposed without being written would show it.
    const encoder = new Encoder(16);
    encoder.buf.fill(0xee);
    encoder
      .writeInt32(-2)
      .writeVarInt(300)
      .writeVarIntString('ké')
      .writeVarIntBytes(Buffer.from([1, 2, 3]))
      .writeString('x'.repeat(40)); // past 16 bytes: the buffer grows, keeping what was written
    expect(encoder.buffer.toString('hex')).toBe(
      'fffffffe' + 'd804' + '06' + '6bc3a9' + '06' + '010203' + '0028' + '78'.repeat(40),
    );
  });

  it('varints: the definition for every magnitude; int32-range varlongs take the varint path', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8_191, 8_192, 2 ** 31 - 1, -(2 ** 31)];
    const longs = [...values, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER];
    for (let bits = 0; bits < 53; bits += 1) {
      for (const sign of [1, -1]) longs.push(sign * Math.floor(2 ** bits + Math.random() * 2 ** bits));
    }
    for (const v of longs) {
      const hex = (e: EncoderLike) => e.buffer.toString('hex');
      const encoder = () => {
        const e = new Encoder(1);
        e.buf.fill(0xee);
        return e;
      };
      expect(hex(encoder().writeVarLong(v)), `varlong ${v}`).toBe(referenceZigZag(v, 64));
      expect(Encoder.sizeOfVarLong(v), `size of varlong ${v}`).toBe(referenceZigZag(v, 64).length / 2);
      const int32 = v | 0;
      expect(hex(encoder().writeVarInt(int32)), `varint ${int32}`).toBe(referenceZigZag(int32, 32));
      expect(Encoder.sizeOfVarInt(int32)).toBe(referenceZigZag(int32, 32).length / 2);
      const uint32 = v >>> 0;
      expect(hex(encoder().writeUVarInt(uint32)), `uvarint ${uint32}`).toBe(referenceUVarint(BigInt(uint32)));
    }
    // Many in a row: each written past the last, the buffer growing from 2 bytes.
    const row = new Encoder(1);
    for (const v of values) row.writeVarInt(v).writeVarLong(v * 1_000);
    expect(row.buffer.toString('hex')).toBe(
      values.map((v) => referenceZigZag(v, 32) + referenceZigZag(v * 1_000, 64)).join(''),
    );
  });

  it(
    'records of every shape the port sends come back from the broker unchanged',
    { timeout: 60_000 },
    async () => {
      const kafka = testKafka();
      const admin = await testAdmin(kafka);
      const topic = uniqueName('t-kafkajs-patches');
      onTestFinished(() => admin.deleteTopics([topic]));
      await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1, configs: {} }]);
      const producer = await kafka.producer({ transactionalId: uniqueName('tx-kafkajs-patches') });
      onTestFinished(() => producer.close());
      // Keys and values from empty to 20 KiB (an encoder starts at 512 bytes and grows), multi-byte
      // keys, headers, null keys and values; 3,000 of them, so that each partition's batch is large.
      const records: OutgoingRecord[] = Array.from({ length: 3_000 }, (_, i) => ({
        topic,
        key: i % 50 === 0 ? null : i % 3 === 0 ? Buffer.from(`bytes-${i}`) : `série-${i % 97}-€`,
        value: i % 41 === 0 ? null : randomBytes([0, 1, 84, 600, 20_000][i % 5]!),
        ...(i % 4 === 0 ? { headers: { source: `h-${i}`, bin: Buffer.from([i % 256, 0, 255]) } } : {}),
        ...(i % 50 === 0 ? { partition: i % 3 } : {}),
        // Increasing; two jumps make timestamp deltas past the int32 range within a batch (varlongs).
        timestamp: 1_700_000_000_000 + i + (i >= 1_000 ? 3_000_000_000 : 0) + (i >= 2_500 ? 2 ** 33 : 0),
      }));
      await producer.sendAtomically(records.slice(0, 1_700));
      await producer.sendAtomically(records.slice(1_700));
      // A commit's markers reach the partitions one by one after it returns: read once all are there.
      const read = await waitFor(
        'every record readable',
        async () => {
          const got: IncomingRecord[] = [];
          await readToEnd(kafka, admin, { topic, onRecords: (rs) => void got.push(...rs) });
          return got.length >= records.length ? got : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(read).toHaveLength(records.length);
      const bySent = new Map(records.map((r) => [r.timestamp!, r]));
      const perPartition = new Map<number, number[]>();
      for (const r of read) {
        const sent = bySent.get(r.timestamp)!;
        expect(sent, `record at ${r.timestamp}`).toBeDefined();
        const key = sent.key === null ? null : Buffer.from(sent.key);
        expect(r.key).toEqual(key);
        expect(r.value).toEqual(sent.value);
        const headers = Object.fromEntries(
          Object.entries(sent.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]),
        );
        expect(r.headers).toEqual(headers);
        if (sent.partition !== undefined) expect(r.partition).toBe(sent.partition);
        perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.timestamp]);
      }
      // Each partition in the order sent.
      for (const timestamps of perPartition.values()) {
        expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
      }
    },
  );

  it('a GZIP-compressed batch (not a path the port takes) is written from the same records', async () => {
    const kafka = testKafka();
    const admin = await testAdmin(kafka);
    const topic = uniqueName('t-kafkajs-gzip');
    onTestFinished(() => admin.deleteTopics([topic]));
    await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: {} }]);
    const raw = new Kafka({ brokers: [...inject('services').kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = raw.producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const messages = Array.from({ length: 500 }, (_, i) => ({
      key: i % 9 === 0 ? null : `k-${i}`,
      value: i % 13 === 0 ? null : Buffer.from(`value ${i} `.repeat(i % 17)),
      ...(i % 5 === 0 ? { headers: { h: `v${i}` } } : {}),
      timestamp: String(1_700_000_000_000 + i),
    }));
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages });
    const got: IncomingRecord[] = [];
    await readToEnd(kafka, admin, { topic, onRecords: (rs) => void got.push(...rs) });
    expect(got.map((r) => r.timestamp)).toEqual(messages.map((m) => Number(m.timestamp)));
    for (const [i, r] of got.entries()) {
      const sent = messages[i]!;
      expect(r.key, `key ${i}`).toEqual(sent.key === null ? null : Buffer.from(sent.key));
      expect(r.value, `value ${i}`).toEqual(sent.value);
      expect(r.headers, `headers ${i}`).toEqual(sent.headers ? { h: Buffer.from(sent.headers.h) } : {});
    }
  });
});
