/**
 * The one builder of dead letters (and `late` side-output records): the consumed record's key and value
 * untouched, where it came from and why it failed in the headers (topics/dead-letter.ts).
 */
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts';
import { deadLetterHeaders } from '../../topics/index.ts';

/** Why and by whom a record is dead-lettered. */
export interface DeadLetterReason {
  /** Error code from the catalogue. */
  readonly code: string;
  readonly message: string;
  /** Epoch ms. */
  readonly failedAt: number;
  /** The processor (or component) that dead-letters it. */
  readonly failedBy: string;
}

/** The record to produce to `topic` (physical name: `dlq` or `late`) for the consumed `record`. */
export function deadLetterRecord(
  topic: string,
  record: IncomingRecord,
  reason: DeadLetterReason,
): OutgoingRecord {
  return {
    topic,
    key: record.key,
    value: record.value,
    headers: deadLetterHeaders({
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      error: { code: reason.code, message: reason.message },
      failedAt: reason.failedAt,
      failedBy: reason.failedBy,
      key: record.key,
      value: record.value,
      headers: record.headers,
    }),
  };
}
