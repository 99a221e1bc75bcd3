/**
 * KafkaAdmin.resetGroupOffsets on the real Kafka: a group's offsets on one topic move to the topic's
 * end or start, its offsets elsewhere stay, a consumer of the group then starts there (even one that
 * would start a topic without offsets at its beginning, as processors do), and a group with a running
 * member is refused.
 */
import kafkajs from 'kafkajs';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import type { IncomingRecord, KafkaAdmin, KafkaClient } from '../../../runtime/kafka/index.ts';
import { TradewatchError } from '../../../core/errors.ts';
import { testAdmin, testKafka } from '../../helpers/kafka.ts';
import { uniqueName } from '../../helpers/unique.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const PARTITIONS = 2;

interface Setup {
  kafka: KafkaClient;
  admin: KafkaAdmin;
  /** The topic the group has read (offsets committed on both partitions). */
  read: string;
  /** The topic the group never read (no offsets). */
  unread: string;
  groupId: string;
}

/**
 * Two topics of two partitions, records on both, and a group whose offsets are committed on `read`
 * only (partition 0 at 1, partition 1 at 2), as a processor that has read part of its one input.
 */
async function setup(label: string): Promise<Setup> {
  const kafka = testKafka();
  const admin = await testAdmin(kafka);
  const read = uniqueName(`t-reset-${label}-read`);
  const unread = uniqueName(`t-reset-${label}-unread`);
  const groupId = uniqueName(`t-reset-${label}-group`);
  onTestFinished(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics([read, unread]);
  });
  await admin.createTopics(
    [read, unread].map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1, configs: {} })),
  );
  await produce(kafka, read, ['r0', 'r1', 'r2'], ['r3', 'r4', 'r5']);
  await produce(kafka, unread, ['old-a', 'old-b'], ['old-c', 'old-d', 'old-e']);
  await commit(kafka, groupId, [
    { topic: read, partition: 0, offset: '1' },
    { topic: read, partition: 1, offset: '2' },
  ]);
  // A transaction's offsets become the group's once its markers are written, which can lag the commit
  // on a loaded broker: the tests start from offsets the group shows.
  await waitFor('the committed offsets of the group', async () => {
    const shown = await committed(admin, groupId, read);
    return shown[0] === '1' && shown[1] === '2';
  });
  return { kafka, admin, read, unread, groupId };
}

/** Produces the values of `byPartition[p]` to partition p. */
async function produce(kafka: KafkaClient, topic: string, ...byPartition: string[][]): Promise<void> {
  const producer = await kafka.producer();
  try {
    await producer.send(
      byPartition.flatMap((values, partition) =>
        values.map((v) => ({ topic, partition, key: v, value: Buffer.from(v) })),
      ),
    );
  } finally {
    await producer.close();
  }
}

/** Commits a group's offsets as the processors do: in a transaction, without joining the group. */
async function commit(
  kafka: KafkaClient,
  groupId: string,
  offsets: { topic: string; partition: number; offset: string }[],
): Promise<void> {
  const producer = await kafka.producer({ transactionalId: uniqueName('t-reset-commit') });
  try {
    await producer.sendAtomically([], { consumerOffsets: { groupId, offsets } });
  } finally {
    await producer.close();
  }
}

/** The group's committed offsets on a topic, by partition (absent: none). */
async function committed(admin: KafkaAdmin, groupId: string, topic: string): Promise<Record<number, string>> {
  const positions = await admin.groupOffsets(groupId, [topic]);
  return Object.fromEntries(
    positions.filter((p) => BigInt(p.offset) >= 0n).map((p) => [p.partition, p.offset]),
  );
}

/** Joins the group as a processor does (fromBeginning for a partition without offsets); closed at test end. */
async function joinGroup(
  kafka: KafkaClient,
  groupId: string,
  topic: string,
): Promise<{ values: () => string[] }> {
  const consumer = await kafka.consumer({ groupId, topics: [topic], fromBeginning: true });
  onTestFinished(() => consumer.close());
  const seen: IncomingRecord[] = [];
  let assigned = false;
  await consumer.run((records) => void seen.push(...records), { onAssignment: () => (assigned = true) });
  await waitFor('the consumer to join its group', () => assigned);
  return { values: () => seen.map((r) => r.value?.toString('utf8') ?? '').sort() };
}

describe('KafkaAdmin.resetGroupOffsets', () => {
  it('sets a topic the group never read to its end; the group then reads only what comes after', async () => {
    const { kafka, admin, read, unread, groupId } = await setup('end');

    const reset = await admin.resetGroupOffsets(groupId, unread, 'end');

    expect(reset).toEqual([
      { partition: 0, before: null, after: '2' },
      { partition: 1, before: null, after: '3' },
    ]);
    // Real offsets are committed (not kafkajs's -1 "latest" sentinel, which a consumer reads as none).
    expect(await committed(admin, groupId, unread)).toEqual({ 0: '2', 1: '3' });
    expect(await committed(admin, groupId, read)).toEqual({ 0: '1', 1: '2' });

    await produce(kafka, unread, ['new-a'], ['new-b']);
    const consumer = await joinGroup(kafka, groupId, unread);
    await waitFor('the records produced after the reset', () => consumer.values().length >= 2);
    expect(consumer.values()).toEqual(['new-a', 'new-b']);
  });

  it('sets the end at the last stable offset: a transaction open at the reset is read once it commits', async () => {
    const { kafka, admin, unread, groupId } = await setup('lso');
    // The port's producer cannot leave a transaction open: kafkajs directly, as another producer would.
    const client = new kafkajs.Kafka({
      brokers: inject('services').kafkaBrokers,
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const producer = client.producer({
      transactionalId: uniqueName('t-reset-open'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const transaction = await producer.transaction();
    await transaction.send({ topic: unread, messages: [{ partition: 0, key: 'k', value: 'in-flight' }] });

    const reset = await admin.resetGroupOffsets(groupId, unread, 'end');

    // Partition 0 holds old-a, old-b and the open transaction's record at 2 (the high watermark is 3).
    expect(reset).toEqual([
      { partition: 0, before: null, after: '2' },
      { partition: 1, before: null, after: '3' },
    ]);
    await transaction.commit();
    const consumer = await joinGroup(kafka, groupId, unread);
    await waitFor('the record of the transaction open at the reset', () => consumer.values().length >= 1);
    expect(consumer.values()).toEqual(['in-flight']);
  });

  it('sets a topic the group has read back to its start', async () => {
    const { admin, read, unread, groupId } = await setup('start');

    const reset = await admin.resetGroupOffsets(groupId, read, 'start');

    expect(reset).toEqual([
      { partition: 0, before: '1', after: '0' },
      { partition: 1, before: '2', after: '0' },
    ]);
    expect(await committed(admin, groupId, read)).toEqual({ 0: '0', 1: '0' });
    expect(await committed(admin, groupId, unread)).toEqual({});
  });

  it('changes nothing on a dry run, and returns what it would set', async () => {
    const { admin, read, unread, groupId } = await setup('dry');

    expect(await admin.resetGroupOffsets(groupId, unread, 'end', { dryRun: true })).toEqual([
      { partition: 0, before: null, after: '2' },
      { partition: 1, before: null, after: '3' },
    ]);
    expect(await admin.resetGroupOffsets(groupId, read, 'start', { dryRun: true })).toEqual([
      { partition: 0, before: '1', after: '0' },
      { partition: 1, before: '2', after: '0' },
    ]);
    expect(await committed(admin, groupId, unread)).toEqual({});
    expect(await committed(admin, groupId, read)).toEqual({ 0: '1', 1: '2' });
  });

  it('refuses a group with a running member, saying to stop it first, and changes nothing', async () => {
    const { kafka, admin, read, unread, groupId } = await setup('busy');
    await joinGroup(kafka, groupId, read);

    for (const dryRun of [false, true]) {
      const refused = await admin.resetGroupOffsets(groupId, unread, 'end', { dryRun }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(TradewatchError);
      expect((refused as TradewatchError).code).toBe('TW_KAFKA_FAILED');
      expect((refused as TradewatchError).message).toMatch(
        new RegExp(`consumer group ${groupId} has running instances \\(state \\w+, 1 member\\(s\\): `),
      );
      expect((refused as TradewatchError).message).toContain('Stop `tradewatch run` for that processor');
    }
    expect(await committed(admin, groupId, unread)).toEqual({});
  });

  it('refuses a topic that does not exist', async () => {
    const admin = await testAdmin();
    const missing = uniqueName('t-reset-missing');
    const refused = await admin.resetGroupOffsets(uniqueName('t-reset-group'), missing, 'end').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TradewatchError);
    expect((refused as TradewatchError).code).toBe('TW_TOPIC_UNKNOWN');
    expect((refused as TradewatchError).message).toContain(`topic ${missing} does not exist on the cluster`);
  });
});
