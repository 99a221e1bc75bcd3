/**
 * The producers' partitioner against the Java client: murmur2 values and partitions for 1,727 keys
 * (every UTF-8 length mod 4, 1- to 4-byte characters, the bench's portfolio names, metric series keys)
 * and ten partition counts, from a table the Java client produced (fixtures/Murmur2Partitions.java says
 * how to regenerate it); then records produced through the port land on the Java client's partitions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readToEnd } from '../../../runtime/kafka/index.ts';
import { Murmur2Partitioner, partitionForKey } from '../../../runtime/kafka/murmur2-partitioner.ts';
import { murmur2 } from '../../../topics/partition-of.ts';
import { testAdmin, testKafka } from '../../helpers/kafka.ts';
import { uniqueName } from '../../helpers/unique.ts';

interface Fixture {
  readonly partitionCounts: readonly number[];
  /** `[key, murmur2, partition for each count]`. */
  readonly keys: readonly [string, number, ...number[]][];
}

const fixture = JSON.parse(
  readFileSync(new URL('fixtures/murmur2-partitions.json', import.meta.url), 'utf8'),
) as Fixture;

describe('the murmur2 partitioner', () => {
  it('hashes and partitions every key of the Java client’s table as the Java client does', () => {
    expect(fixture.keys.length).toBeGreaterThan(1700);
    const partition = Murmur2Partitioner();
    const mismatches: string[] = [];
    for (const [key, hash, ...partitions] of fixture.keys) {
      const bytes = Buffer.from(key, 'utf8');
      if (murmur2(bytes) !== hash)
        mismatches.push(`murmur2(${JSON.stringify(key)}) = ${murmur2(bytes)}, Java ${hash}`);
      fixture.partitionCounts.forEach((count, i) => {
        const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
          partitionErrorCode: 0,
          partitionId,
          leader: partitionId === 0 ? -1 : 0,
          replicas: [0],
          isr: [0],
        }));
        const got = [
          partitionForKey(key, count),
          partitionForKey(bytes, count),
          partition({ topic: 't', partitionMetadata, message: { key, value: null } }),
        ];
        if (got.some((p) => p !== partitions[i])) {
          mismatches.push(`${JSON.stringify(key)} of ${count}: ${got.join('/')}, Java ${partitions[i]}`);
        }
      });
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps an explicit partition and spreads keyless records over the partitions with a leader', () => {
    const partition = Murmur2Partitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: partitionId === 1 ? -1 : 0,
      replicas: [0],
      isr: [0],
    }));
    expect(
      partition({ topic: 't', partitionMetadata, message: { key: 'abc', partition: 1, value: null } }),
    ).toBe(1);
    const keyless = Array.from({ length: 6 }, () =>
      partition({ topic: 't', partitionMetadata, message: { value: null } }),
    );
    expect(new Set(keyless)).toEqual(new Set([0, 2]));
  });

  it('sends keyed records through the port to the partitions the Java client picks', async () => {
    const kafka = testKafka();
    const admin = await testAdmin(kafka);
    const topic = uniqueName('t-murmur2');
    onTestFinished(() => admin.deleteTopics([topic]));
    await admin.createTopics([{ name: topic, partitions: 7, replicationFactor: 1, configs: {} }]);
    const producer = await kafka.producer();
    onTestFinished(() => producer.close());
    const sevenAt = fixture.partitionCounts.indexOf(7);
    const rows = fixture.keys.slice(0, 300);
    await producer.send(rows.map(([key]) => ({ topic, key, value: Buffer.from(key, 'utf8') })));
    const landed = new Map<string, number>();
    await readToEnd(kafka, admin, {
      topic,
      groupPrefix: uniqueName('t-murmur2-read'),
      onRecords: (records) => {
        for (const r of records) landed.set(r.key!.toString('utf8'), r.partition);
      },
    });
    expect(landed.size).toBe(rows.length);
    expect(rows.filter(([key, , ...p]) => landed.get(key) !== p[sevenAt])).toEqual([]);
  });
});
