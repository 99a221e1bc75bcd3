/**
 * The reference: a consumer that does nothing. It joins a consumer group through the same Kafka port
 * (and so the same kafkajs client, fetch settings and record conversion) as the processor runtime, reads
 * the topic from the beginning, and only counts records, until every partition's position reaches the
 * end offsets taken at its start. Its rate is the ceiling of this client on this machine: what the
 * pipeline would do if processing, producing, committing and writing to QuestDB cost nothing.
 */
import type { KafkaAdmin, KafkaClient } from '../runtime/kafka/index.ts';

export interface ReferenceResult {
  readonly records: number;
  readonly batches: number;
  /** From asking for the consumer (connect, join) to the last partition reaching its end. */
  readonly ms: number;
  readonly recordsPerSecond: number;
  /** From the first batch to the end: the rate without the group join. */
  readonly steadyRecordsPerSecond: number;
}

export async function runReferenceConsumer(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  topic: string,
  groupId: string,
  timeoutMs: number,
): Promise<ReferenceResult> {
  const end = new Map((await admin.offsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const position = new Map<number, bigint>();
  const finished = Promise.withResolvers<void>();
  const done = (): boolean => [...end].every(([p, e]) => (position.get(p) ?? 0n) >= e);
  let records = 0;
  let batches = 0;
  let firstBatchAt: number | undefined;
  const started = performance.now();
  const consumer = await kafka.consumer({ groupId, topics: [topic], fromBeginning: true });
  const timer = setTimeout(
    () => finished.reject(new Error(`the reference consumer did not reach the end in ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    await consumer.run(
      (batch) => {
        firstBatchAt ??= performance.now();
        records += batch.length;
        batches += 1;
      },
      {
        onPosition: (event) => {
          position.set(event.partition, BigInt(event.nextOffset));
          if (done()) finished.resolve();
        },
        onFatal: (error) => finished.reject(error),
      },
    );
    await finished.promise;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
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
