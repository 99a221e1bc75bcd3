/**
 * The Kafka port's `sendAtomically` with `beforeCommit` on the real broker: the hook runs while the
 * transaction is open (nothing is visible to read-committed readers yet), the transaction commits
 * after it, and a hook that fails aborts the transaction (records and consumer offsets) and its error
 * is what the caller gets; the producer then goes on with the next transaction.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { readToEnd, type OutgoingRecord } from '../../../runtime/kafka/index.ts';
import { testAdmin, testKafka } from '../../helpers/kafka.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

describe('sendAtomically with beforeCommit', () => {
  it('commits after the hook and aborts everything when it fails', { timeout: 60_000 }, async () => {
    const kafka = testKafka();
    const admin = await testAdmin(kafka);
    const topic = uniqueName('t-before-commit');
    const input = uniqueName('t-before-commit-in');
    const groupId = uniqueName('g-before-commit');
    onTestFinished(() => admin.deleteTopics([topic, input]));
    await admin.createTopics([
      { name: topic, partitions: 2, replicationFactor: 1, configs: {} },
      { name: input, partitions: 1, replicationFactor: 1, configs: {} },
    ]);
    const producer = await kafka.producer({ transactionalId: uniqueName('tx-before-commit') });
    onTestFinished(() => producer.close());
    const records = (tag: string): OutgoingRecord[] =>
      Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(`${tag}-${i}`) }));
    const visible = async (): Promise<string[]> => {
      const read: string[] = [];
      await readToEnd(kafka, admin, {
        topic,
        onRecords: (rs) => {
          for (const r of rs) read.push(r.value?.toString('utf8') ?? '');
        },
      });
      return read.sort();
    };

    // A failing hook: the error is the hook's, and neither the records nor the offsets are committed.
    const refused = new Error('the sink refused the rows');
    const failed = producer.sendAtomically(records('aborted'), {
      consumerOffsets: { groupId, offsets: [{ topic: input, partition: 0, offset: '7' }] },
      beforeCommit: () => Promise.reject(refused),
    });
    await expect(failed).rejects.toThrow('the sink refused the rows');
    expect(await visible()).toEqual([]);
    expect(await admin.groupOffsets(groupId, [input])).not.toContainEqual(
      expect.objectContaining({ offset: '7' }),
    );

    // A hook that succeeds: while it runs nothing is visible yet; after it, everything is.
    const before = (await admin.offsets(topic)).map((p) => p.high);
    let seenDuringHook: readonly { high: string }[] | undefined;
    await producer.sendAtomically(records('committed'), {
      consumerOffsets: { groupId, offsets: [{ topic: input, partition: 0, offset: '7' }] },
      beforeCommit: async () => {
        seenDuringHook = await admin.offsets(topic);
      },
    });
    // The read-committed end (the last stable offset) had not moved past the open transaction's records.
    expect(seenDuringHook?.map((p) => p.high)).toEqual(before);
    // (The commit's markers reach the partitions one by one after it returns: read once all are there.)
    const committed = records('committed')
      .map((r) => r.value!.toString('utf8'))
      .sort();
    const read = await waitFor(
      'the committed records readable',
      async () => {
        const got = await visible();
        return got.length >= committed.length ? got : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(read).toEqual(committed);
    expect(await admin.groupOffsets(groupId, [input])).toContainEqual(
      expect.objectContaining({ topic: input, partition: 0, offset: '7' }),
    );
  });
});
