/**
 * The reference: a consumer that does nothing. It reads the topic from the beginning to the end offsets
 * taken at its start through the runtime's `readToEnd` (and so the same Kafka port, kafkajs client,
 * fetch settings and record conversion as the processor runtime), and only counts records. Its rate is
 * the ceiling of this client on this machine: what the pipeline would do if processing, producing,
 * committing and writing to QuestDB cost nothing.
 */
import { readToEnd, type KafkaAdmin, type KafkaClient } from '../runtime/kafka/index.ts';

export interface ReferenceResult {
  readonly records: number;
  readonly batches: number;
  /** From asking for the consumer (connect, join) to the last partition reaching its end. */
  readonly ms: number;
  readonly recordsPerSecond: number;
  /** From the first batch to the end: the rate without the group join. */
  readonly steadyRecordsPerSecond: number;
}

/** Reads `topic` to its end in a throw-away group named after `groupId`, counting. */
export async function runReferenceConsumer(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  topic: string,
  groupId: string,
  timeoutMs: number,
): Promise<ReferenceResult> {
  let records = 0;
  let batches = 0;
  let firstBatchAt: number | undefined;
  const started = performance.now();
  await readToEnd(kafka, admin, {
    topic,
    groupPrefix: groupId,
    timeoutMs,
    onRecords: (batch) => {
      firstBatchAt ??= performance.now();
      records += batch.length;
      batches += 1;
    },
  });
  return result(records, batches, started, firstBatchAt);
}

/**
 * The no-op consumer over several topics at once, as a processor reading them subscribes: one consumer
 * of the Kafka port in a fresh group `groupId` (registered by the caller for deletion), from the
 * beginning, counting until it has read every record the topics held when it started.
 */
export async function runNoopConsumer(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  topics: readonly string[],
  groupId: string,
  timeoutMs: number,
): Promise<ReferenceResult> {
  let total = 0;
  for (const topic of topics) {
    for (const p of await admin.offsets(topic)) total += Number(BigInt(p.high) - BigInt(p.low));
  }
  let records = 0;
  let batches = 0;
  let firstBatchAt: number | undefined;
  const done = Promise.withResolvers<void>();
  const started = performance.now();
  const consumer = await kafka.consumer({ groupId, topics, fromBeginning: true });
  const timer = setTimeout(
    () => done.reject(new Error(`the no-op consumer read ${records} of ${total} records in ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    await consumer.run(
      (batch) => {
        firstBatchAt ??= performance.now();
        records += batch.length;
        batches += 1;
        if (records >= total) done.resolve();
      },
      { onFatal: (error) => done.reject(error) },
    );
    if (total === 0) done.resolve();
    await done.promise;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return result(records, batches, started, firstBatchAt);
}

/** A reading's figures: `started` and `firstBatchAt` are `performance.now()` times. */
function result(
  records: number,
  batches: number,
  started: number,
  firstBatchAt: number | undefined,
): ReferenceResult {
  const ms = performance.now() - started;
  const steadyMs = ms - ((firstBatchAt ?? started) - started);
  return {
    records,
    batches,
    ms: Math.round(ms),
    recordsPerSecond: Math.round((records / ms) * 1000),
    steadyRecordsPerSecond: Math.round((records / steadyMs) * 1000),
  };
}
