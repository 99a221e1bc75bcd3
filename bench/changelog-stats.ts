/**
 * What a processor wrote to its changelog: records, bytes, and the transactions that wrote them. The
 * runtime writes each touched key's whole state (JSON) in the transaction of every batch, into the
 * changelog partition of the batch's input partition; a committed transaction leaves one marker offset
 * in each partition it wrote. So, per partition, offsets that hold no readable record are transaction
 * markers (or aborted records): their count is the number of batches committed there.
 */
import type { KafkaAdmin, KafkaClient } from '../runtime/kafka/index.ts';
import { readToEnd } from '../runtime/kafka/index.ts';

export interface ChangelogStats {
  readonly records: number;
  readonly valueBytes: number;
  /** Offsets without a readable record: transaction markers (and aborted records). */
  readonly markers: number;
  readonly largestValueBytes: number;
  readonly readMs: number;
}

export async function changelogStats(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  topic: string,
  groupPrefix: string,
): Promise<ChangelogStats> {
  const started = performance.now();
  const offsets = await admin.offsets(topic);
  let records = 0;
  let valueBytes = 0;
  let largestValueBytes = 0;
  await readToEnd(kafka, admin, {
    topic,
    groupPrefix,
    timeoutMs: 600_000,
    onRecords: (batch) => {
      records += batch.length;
      for (const r of batch) {
        const size = r.value?.length ?? 0;
        valueBytes += size;
        if (size > largestValueBytes) largestValueBytes = size;
      }
    },
  });
  const span = offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  return {
    records,
    valueBytes,
    markers: span - records,
    largestValueBytes,
    readMs: Math.round(performance.now() - started),
  };
}
