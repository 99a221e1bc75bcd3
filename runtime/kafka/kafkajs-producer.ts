/**
 * The kafkajs producer behind KafkaProducer: idempotent sends with acks=all, and transactions cut into
 * requests the broker accepts, retried as a whole while the coordinator still settles the previous one.
 */
import type { Message, Producer, RecordMetadata } from 'kafkajs';
import { retry } from '../../core/retry.ts';
import { guard, isConcurrentTransactions, translate } from './kafkajs-errors.ts';
import type {
  AtomicSendOptions,
  KafkaProducer,
  OutgoingRecord,
  RecordPosition,
} from '../../core/kafka-port.ts';

/** Records per produce request inside a transaction. */
const TRANSACTION_CHUNK = 1000;

/**
 * Bytes per produce request inside a transaction. kafkajs puts a request's records for one partition in
 * one record batch, and the broker refuses a batch over `max.message.bytes` (1 MiB by default): keep
 * well under it. A single record larger than this still goes alone (its topic must allow it).
 */
const TRANSACTION_CHUNK_BYTES = 512 * 1024;

/**
 * Right after a commit the coordinator may still be writing its markers and answers the next
 * transaction with CONCURRENT_TRANSACTIONS (the Java client retries it): the aborted attempt made
 * nothing visible, so the whole transaction is tried again, a few times, after a short pause.
 */
const CONCURRENT_TRANSACTIONS_RETRY = {
  attempts: 10,
  initialMs: 20,
  maxMs: 200,
  retryIf: isConcurrentTransactions,
} as const;

export function wrapProducer(producer: Producer, where: string): KafkaProducer {
  let closing: Promise<void> | undefined;
  return {
    async send(records) {
      if (records.length === 0) return [];
      const written = await guard(where, 'produce', () =>
        producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(records) }),
      );
      return lastPositions(written);
    },
    sendAtomically: (records, options = {}) =>
      retry(() => sendInTransaction(records, options), CONCURRENT_TRANSACTIONS_RETRY),
    close() {
      closing ??= guard(where, 'disconnect the producer', () => producer.disconnect());
      return closing;
    },
  };

  async function sendInTransaction(
    records: readonly OutgoingRecord[],
    options: AtomicSendOptions,
  ): Promise<RecordPosition[]> {
    const { consumerOffsets, beforeCommit } = options;
    if (records.length === 0 && !consumerOffsets) {
      await beforeCommit?.();
      return [];
    }
    const transaction = await guard(where, 'begin a transaction', () => producer.transaction());
    try {
      // Chunks keep each request, and so each partition's record batch, under the broker's size limit.
      const written: RecordMetadata[] = [];
      for (const chunk of chunks(records)) {
        written.push(...(await transaction.sendBatch({ acks: -1, topicMessages: toTopicMessages(chunk) })));
      }
      if (consumerOffsets && consumerOffsets.offsets.length > 0) {
        const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
        for (const o of consumerOffsets.offsets) {
          const partitions = byTopic.get(o.topic) ?? [];
          partitions.push({
            partition: o.partition,
            offset: o.offset,
            metadata: consumerOffsets.metadata ?? null,
          });
          byTopic.set(o.topic, partitions);
        }
        await transaction.sendOffsets({
          consumerGroupId: consumerOffsets.groupId,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
      await beforeCommit?.();
      await transaction.commit();
      return lastPositions(written);
    } catch (error: unknown) {
      // Abort so that nothing of the batch becomes visible; keep the first error.
      await transaction.abort().catch(() => undefined);
      throw translate(error, where, 'produce in a transaction');
    }
  }
}

/** Per partition written, the position of the last batch written there. */
function lastPositions(written: readonly RecordMetadata[]): RecordPosition[] {
  const last = new Map<string, RecordPosition>();
  for (const w of written) {
    const offset = w.baseOffset ?? w.offset ?? '0';
    last.set(`${w.topicName}/${w.partition}`, { topic: w.topicName, partition: w.partition, offset });
  }
  return [...last.values()];
}

/** Splits records into consecutive chunks of at most TRANSACTION_CHUNK records and about TRANSACTION_CHUNK_BYTES. */
function chunks(records: readonly OutgoingRecord[]): OutgoingRecord[][] {
  const out: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    if (
      current.length > 0 &&
      (current.length >= TRANSACTION_CHUNK || bytes + size > TRANSACTION_CHUNK_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function recordSize(record: OutgoingRecord): number {
  let size = 64 + (record.value?.length ?? 0) + (record.key === null ? 0 : Buffer.byteLength(record.key));
  const headers = record.headers;
  if (headers !== undefined) {
    for (const name in headers) size += Buffer.byteLength(name) + Buffer.byteLength(headers[name]!);
  }
  return size;
}

function toTopicMessages(records: readonly OutgoingRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let messages = byTopic.get(r.topic);
    if (messages === undefined) byTopic.set(r.topic, (messages = []));
    // Once per record sent: no intermediate objects (spreads) beyond the message itself.
    const message: Message = { key: r.key, value: r.value };
    if (r.headers) message.headers = { ...r.headers };
    if (r.partition !== undefined) message.partition = r.partition;
    if (r.timestamp !== undefined) message.timestamp = String(r.timestamp);
    messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
