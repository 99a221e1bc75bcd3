/**
 * The one builder of dead letters (and `late` side-output records): the consumed record's key and value
 * untouched, where it came from and why it failed in the headers (topics/dead-letter.ts).
 */
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts';
import { createHash } from 'node:crypto';
import { TRUNCATED_HEADERS, deadLetterHeaders } from '../../topics/index.ts';

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

/**
 * The most a dead letter may carry of the original value: what `dlq` and `late` take (4 MiB, the
 * catalogue's max.message.bytes) less room for the key and headers. A value past it (an input whose
 * limit was raised above the side outputs') is kept truncated, with its size and digest in headers,
 * rather than failing the batch: a partition never stalls on a record it cannot dead-letter whole.
 */
export const DEAD_LETTER_MAX_VALUE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** The record to produce to `topic` (physical name: `dlq` or `late`) for the consumed `record`. */
export function deadLetterRecord(
  topic: string,
  record: IncomingRecord,
  reason: DeadLetterReason,
  maxValueBytes = DEAD_LETTER_MAX_VALUE_BYTES,
): OutgoingRecord {
  const original = record.value;
  const whole = original === null || original.length <= maxValueBytes;
  const value = whole ? original : original.subarray(0, maxValueBytes);
  const truncated: Record<string, string> = whole
    ? {}
    : {
        [TRUNCATED_HEADERS.size]: String(original.length),
        [TRUNCATED_HEADERS.sha256]: createHash('sha256').update(original).digest('hex'),
      };
  return {
    topic,
    key: record.key,
    value,
    headers: {
      ...deadLetterHeaders({
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
        error: {
          code: reason.code,
          message: whole
            ? reason.message
            : `${reason.message} (the value, ${original.length} bytes, is kept truncated to ${maxValueBytes}: see ${TRUNCATED_HEADERS.size} and ${TRUNCATED_HEADERS.sha256})`,
        },
        failedAt: reason.failedAt,
        failedBy: reason.failedBy,
        key: record.key,
        value,
        headers: record.headers,
      }),
      ...truncated,
    },
  };
}
