/**
 * The parked-record contract of `alerts.retry`: the alert's original key and value bytes, unchanged,
 * on the partition it came from, with headers naming the notifier that parked it, its destination, the
 * attempts made, the last error (never a secret) and where the alert came from. Every notifier shares
 * the topic; each reads back only its own records.
 */
import { DEAD_LETTER_HEADERS } from '../../topics/index.ts';

export const PARKED_HEADERS = {
  /** The notifier that parked the alert (and will drain it). */
  notifier: 'tw.notify.notifier',
  /** Its destination then (a channel name, never a URL). */
  destination: 'tw.notify.destination',
  /** Attempts made before parking (0: parked without one, behind an outage or an earlier parked alert). */
  attempts: 'tw.notify.attempts',
  /** When it was parked, epoch ms. */
  parkedAt: 'tw.notify.parked.at',
  /** TW_NOTIFY_UNAVAILABLE. */
  errorCode: DEAD_LETTER_HEADERS.errorCode,
  /** The last error, as the notifier reported it (secrets removed). */
  errorMessage: DEAD_LETTER_HEADERS.errorMessage,
  /** Where the alert was read: topic (physical), partition, offset. */
  sourceTopic: DEAD_LETTER_HEADERS.sourceTopic,
  sourcePartition: DEAD_LETTER_HEADERS.sourcePartition,
  sourceOffset: DEAD_LETTER_HEADERS.sourceOffset,
} as const;

/** What a parked record says of itself. */
export interface ParkedInfo {
  readonly notifier: string;
  readonly destination: string;
  readonly attempts: number;
  readonly parkedAt: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** The headers of a parked record. */
export function parkedHeaders(info: ParkedInfo): Record<string, string> {
  return {
    [PARKED_HEADERS.notifier]: info.notifier,
    [PARKED_HEADERS.destination]: info.destination,
    [PARKED_HEADERS.attempts]: String(info.attempts),
    [PARKED_HEADERS.parkedAt]: String(info.parkedAt),
    [PARKED_HEADERS.errorCode]: info.errorCode,
    // Headers have no size limit of their own, but a parked record should stay small.
    [PARKED_HEADERS.errorMessage]: info.errorMessage.slice(0, 2000),
    [PARKED_HEADERS.sourceTopic]: info.sourceTopic,
    [PARKED_HEADERS.sourcePartition]: String(info.sourcePartition),
    [PARKED_HEADERS.sourceOffset]: info.sourceOffset,
  };
}

/** Reads the headers back (missing ones as empty strings and zeros). */
export function readParkedHeaders(headers: Readonly<Record<string, Buffer>>): ParkedInfo {
  const text = (name: string) => headers[name]?.toString('utf8') ?? '';
  return {
    notifier: text(PARKED_HEADERS.notifier),
    destination: text(PARKED_HEADERS.destination),
    attempts: Number(text(PARKED_HEADERS.attempts) || 0),
    parkedAt: Number(text(PARKED_HEADERS.parkedAt) || 0),
    errorCode: text(PARKED_HEADERS.errorCode),
    errorMessage: text(PARKED_HEADERS.errorMessage),
    sourceTopic: text(PARKED_HEADERS.sourceTopic),
    sourcePartition: Number(text(PARKED_HEADERS.sourcePartition) || -1),
    sourceOffset: text(PARKED_HEADERS.sourceOffset),
  };
}
