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
