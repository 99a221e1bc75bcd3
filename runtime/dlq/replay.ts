/**
 * Replaying dead letters: each chosen record re-produced, unchanged, to the partition of its source topic
 * it came from, marked in headers (what it replays, when, and the error it had), with a copy on
 * `dlq.replays` so that the same record is not replayed twice by mistake; all in one transaction. A
 * replayed record that fails again is dead-lettered with its new error, and its headers still carry the
 * old one.
 */
import { TradewatchError } from '../../core/errors.ts';
import type { DeadLetter } from '../../topics/index.ts';
import { REPLAY_HEADERS, deadLetterHeaders } from '../../topics/index.ts';
import type { KafkaProducer, OutgoingRecord, RecordPosition } from '../kafka/index.ts';
import type { DeadLetterEntry } from './dead-letter-log.ts';

/** What a replay would do: the entries it re-produces and those it refuses (already replayed). */
export interface ReplayPlan {
  readonly replay: readonly DeadLetterEntry[];
  readonly refused: readonly DeadLetterEntry[];
}

/** Splits `entries` into those to replay and those already replayed (replayed anyway when `force`). */
export function planReplay(entries: readonly DeadLetterEntry[], force: boolean): ReplayPlan {
  return {
    replay: entries.filter((e) => force || e.replays.length === 0),
    refused: force ? [] : entries.filter((e) => e.replays.length > 0),
  };
}

/** The records of one replay transaction: each record to its source, and its copy to `replaysTopic`. */
export function replayRecords(
  entries: readonly DeadLetterEntry[],
  options: { readonly replaysTopic: string; readonly now: number; readonly force: boolean },
): OutgoingRecord[] {
  const records: OutgoingRecord[] = [];
  for (const entry of entries) {
    const last = entry.failures[entry.failures.length - 1]!;
    const own: Record<string, Buffer | string> = {};
    for (const [name, value] of Object.entries(entry.headers)) {
      if (!name.startsWith(REPLAY_HEADERS.prefix)) own[name] = value;
    }
    const marks = {
      [REPLAY_HEADERS.source]: entry.id,
      [REPLAY_HEADERS.at]: String(options.now),
      [REPLAY_HEADERS.errorCode]: last.code,
      // Headers have no limit of their own, but a record should stay small.
      [REPLAY_HEADERS.errorMessage]: last.message.slice(0, 4000),
    };
    records.push({
      topic: entry.source.topic,
      partition: entry.source.partition,
      key: entry.key,
      value: entry.value,
      headers: { ...own, ...marks },
    });
    const letter: DeadLetter = {
      source: entry.source,
      error: { code: last.code, message: last.message },
      failedAt: last.failedAt,
      failedBy: last.failedBy,
      key: entry.key,
      value: entry.value,
      headers: entry.headers,
    };
    records.push({
      topic: options.replaysTopic,
      key: entry.id,
      value: entry.value,
      headers: { ...deadLetterHeaders(letter), ...marks, [REPLAY_HEADERS.forced]: String(options.force) },
    });
  }
  return records;
}

/**
 * Replays `plan.replay` in one transaction (nothing is re-produced unless all is); throws
 * TW_DLQ_REPLAY_REFUSED, re-producing nothing, when the plan refuses any entry.
 */
export async function replayDeadLetters(
  producer: KafkaProducer,
  plan: ReplayPlan,
  options: { readonly replaysTopic: string; readonly now: number; readonly force: boolean },
): Promise<RecordPosition[]> {
  if (plan.refused.length > 0) {
    const list = plan.refused.map(
      (e) =>
        `${e.id} (replayed ${e.replays.length}×, last at ${new Date(e.replays.at(-1)!.at).toISOString()})`,
    );
    throw new TradewatchError(
      'TW_DLQ_REPLAY_REFUSED',
      `${plan.refused.length} of the chosen record(s) were replayed before: ${list.join(', ')}. ` +
        'Nothing was replayed. Replay them again with --force, or narrow the selection (--id, --code, --since).',
      { details: { refused: plan.refused.map((e) => e.id) } },
    );
  }
  if (plan.replay.length === 0) return [];
  return producer.sendAtomically(replayRecords(plan.replay, options));
}
