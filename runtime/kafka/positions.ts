/** Offset arithmetic of the Kafka port (offsets are decimal strings: they may pass 2^53). */
import type { RecordPosition } from '../../core/kafka-port.ts';

/** The offset after `offset`: what a consumer group commits once the record at `offset` is done. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** The commit position that marks `record` (and everything before it in its partition) as done. */
export function commitAfter(record: RecordPosition): RecordPosition {
  return { topic: record.topic, partition: record.partition, offset: nextOffset(record.offset) };
}
