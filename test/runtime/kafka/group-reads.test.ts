/**
 * The Kafka port's reads for `tradewatch status` on the real broker: offsets by timestamp, a read that
 * starts there, group descriptions (a group that does not exist is `Dead`), and committed offsets with
 * their metadata.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { commitMetadata, committedAt, readToEnd } from '../../../runtime/kafka/index.ts';
import { testAdmin, testKafka } from '../../helpers/kafka.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const T0 = Date.UTC(2026, 0, 5, 9);

describe('group reads', () => {
  it('finds offsets by timestamp and reads from there to the end', { timeout: 60_000 }, async () => {
    const kafka = testKafka();
    const admin = await testAdmin(kafka);
    const topic = uniqueName('t-offsets-at');
    onTestFinished(() => admin.deleteTopics([topic]));
    await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1, configs: {} }]);
    const producer = await kafka.producer();
    try {
      // Partition 0: minutes 0..4; partition 1: minute 0 only.
      await producer.send([
        ...[0, 1, 2, 3, 4].map((m) => ({
          topic,
          partition: 0,
          key: null,
          value: Buffer.from(`p0-${m}`),
          timestamp: T0 + m * 60_000,
        })),
        { topic, partition: 1, key: null, value: Buffer.from('p1-0'), timestamp: T0 },
      ]);
    } finally {
      await producer.close();
    }
    // From minute 3: offset 3 on partition 0; partition 1 has nothing that late (its end, 1).
    const from = await admin.offsetsAt(topic, T0 + 3 * 60_000);
    expect(from).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '1' },
    ]);
    const read: string[] = [];
    await readToEnd(kafka, admin, {
      topic,
      from,
      onRecords: (records) => {
        for (const r of records) read.push(`${r.partition}@${r.offset}:${r.value?.toString('utf8')}`);
      },
    });
    expect(read).toEqual(['0@3:p0-3', '0@4:p0-4']);
  });

  it(
    'describes groups and reads their committed offsets with the commit metadata',
    { timeout: 60_000 },
    async () => {
      const kafka = testKafka();
      const admin = await testAdmin(kafka);
      const topic = uniqueName('t-group-reads');
      const group = uniqueName('g-group-reads');
      onTestFinished(async () => {
        await admin.deleteGroups([group]).catch(() => undefined);
        await admin.deleteTopics([topic]);
      });
      await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1, configs: {} }]);
      const missing = uniqueName('g-none');
      expect(await admin.describeGroups([missing])).toEqual([
        { groupId: missing, state: 'Dead', members: [] },
      ]);
      expect(await admin.committedOffsets([missing])).toEqual(new Map([[missing, []]]));

      const producer = await kafka.producer({ transactionalId: `${group}.t` });
      try {
        await producer.sendAtomically([], {
          consumerOffsets: {
            groupId: group,
            offsets: [{ topic, partition: 2, offset: '0' }],
            metadata: commitMetadata(T0),
          },
        });
      } finally {
        await producer.close();
      }
      // A transaction's offsets are visible to OffsetFetch once its markers are written, just after.
      const committed = await waitFor('the committed offset', async () => {
        const offsets = (await admin.committedOffsets([group])).get(group) ?? [];
        return offsets.length > 0 ? offsets : undefined;
      });
      expect(committed).toEqual([{ topic, partition: 2, offset: '0', metadata: commitMetadata(T0) }]);
      expect(committedAt(committed[0]!.metadata)).toBe(T0);
      expect(committedAt(null)).toBeNull();
      expect(committedAt('not json')).toBeNull();
      const [described] = await admin.describeGroups([group]);
      expect(described).toMatchObject({ groupId: group, state: 'Empty', members: [] });
    },
  );
});
