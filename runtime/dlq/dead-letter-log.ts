/**
 * The dead-letter log as people work with it: the `dlq` topic read whole, its letters grouped by the
 * record they are about (a garbage record read by two processors is dead-lettered by each: one entry,
 * two failures), with the replays already made (`dlq.replays`) beside them. `tradewatch dlq list` and
 * `tradewatch dlq replay` read it.
 */
import type { DeadLetter } from '../../topics/index.ts';
import { REPLAY_HEADERS, readDeadLetter } from '../../topics/index.ts';
import type { IncomingRecord, KafkaAdmin, KafkaClient } from '../kafka/index.ts';
import { readToEnd } from '../kafka/index.ts';

/** Where a record was: `<physical topic>:<partition>:<offset>`, the identity of a dead-lettered record. */
export type RecordId = string;

export const recordId = (source: DeadLetter['source']): RecordId =>
  `${source.topic}:${source.partition}:${source.offset}`;

/** One failure of a record: one dead letter. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly failedAt: number;
  readonly failedBy: string;
  /** Where the letter is in `dlq`. */
  readonly dlq: { readonly partition: number; readonly offset: string };
}

/** A replay already made of a record (from `dlq.replays`). */
export interface Replay {
  readonly at: number;
  readonly forced: boolean;
}

/** Every dead letter about one record, grouped. */
export interface DeadLetterEntry {
  readonly id: RecordId;
  readonly source: DeadLetter['source'];
  /** The record as it was read (key, value and its own headers): what a replay re-produces. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Its failures, oldest first. */
  readonly failures: readonly Failure[];
  /** When the record was itself a replay: the record it replayed and the error that one had. */
  readonly replayOf?: { readonly id: RecordId; readonly code: string; readonly message: string };
  /** The replays made of it, oldest first. */
  readonly replays: readonly Replay[];
}

/** Groups dead letters (as read, in any order) by record, and joins the replays made of each. */
export function groupDeadLetters(
  letters: readonly { readonly letter: DeadLetter; readonly dlq: Failure['dlq'] }[],
  replays: ReadonlyMap<RecordId, readonly Replay[]> = new Map(),
): DeadLetterEntry[] {
  const byId = new Map<RecordId, { first: DeadLetter; failures: Failure[] }>();
  for (const { letter, dlq } of letters) {
    const id = recordId(letter.source);
    let group = byId.get(id);
    if (group === undefined) {
      group = { first: letter, failures: [] };
      byId.set(id, group);
    }
    const { code, message } = letter.error;
    group.failures.push({ code, message, failedAt: letter.failedAt, failedBy: letter.failedBy, dlq });
  }
  const entries: DeadLetterEntry[] = [];
  for (const [id, { first, failures }] of byId) {
    failures.sort((a, b) => a.failedAt - b.failedAt || a.failedBy.localeCompare(b.failedBy));
    const text = (name: string) => first.headers[name]?.toString('utf8');
    const replayed = text(REPLAY_HEADERS.source);
    entries.push({
      id,
      source: first.source,
      key: first.key,
      value: first.value,
      headers: first.headers,
      failures,
      ...(replayed === undefined
        ? {}
        : {
            replayOf: {
              id: replayed,
              code: text(REPLAY_HEADERS.errorCode) ?? '',
              message: text(REPLAY_HEADERS.errorMessage) ?? '',
            },
          }),
      replays: replays.get(id) ?? [],
    });
  }
  return entries.sort(
    (a, b) => a.failures[0]!.failedAt - b.failures[0]!.failedAt || a.id.localeCompare(b.id),
  );
}

/** Which entries to show or replay; every given criterion must hold. */
export interface DeadLetterFilter {
  /** Source topic (physical name). */
  readonly topic?: string;
  /** An error code any of its failures has. */
  readonly code?: string;
  /** A processor (or tool) any of its failures names. */
  readonly failedBy?: string;
  /** Its first failure at or after this (epoch ms). */
  readonly since?: number;
  /** Its first failure before this (epoch ms). */
  readonly until?: number;
  /** Only these records. */
  readonly ids?: readonly RecordId[];
}

export function selectDeadLetters(
  entries: readonly DeadLetterEntry[],
  filter: DeadLetterFilter,
): DeadLetterEntry[] {
  const ids = filter.ids === undefined || filter.ids.length === 0 ? undefined : new Set(filter.ids);
  return entries.filter((e) => {
    const first = e.failures[0]!.failedAt;
    return (
      (filter.topic === undefined || e.source.topic === filter.topic) &&
      (filter.code === undefined || e.failures.some((f) => f.code === filter.code)) &&
      (filter.failedBy === undefined || e.failures.some((f) => f.failedBy === filter.failedBy)) &&
      (filter.since === undefined || first >= filter.since) &&
      (filter.until === undefined || first < filter.until) &&
      (ids === undefined || ids.has(e.id))
    );
  });
}

/** Reads `dlqTopic` and `replaysTopic` (physical names) whole and groups them. */
export async function readDeadLetterLog(
  client: KafkaClient,
  admin: KafkaAdmin,
  topics: { readonly dlq: string; readonly replays: string },
): Promise<DeadLetterEntry[]> {
  const letters: { letter: DeadLetter; dlq: Failure['dlq'] }[] = [];
  const replays = new Map<RecordId, Replay[]>();
  await Promise.all([
    readToEnd(client, admin, {
      topic: topics.dlq,
      groupPrefix: 'tradewatch-dlq',
      onRecords: (records) => {
        for (const r of records) {
          letters.push({ letter: readDeadLetter(r.key, r.value, r.headers), dlq: position(r) });
        }
      },
    }),
    readToEnd(client, admin, {
      topic: topics.replays,
      groupPrefix: 'tradewatch-dlq-replays',
      onRecords: (records) => {
        for (const r of records) {
          const letter = readDeadLetter(r.key, r.value, r.headers);
          const id = recordId(letter.source);
          const list = replays.get(id) ?? [];
          list.push({
            at: Number(r.headers[REPLAY_HEADERS.at]?.toString('utf8') ?? r.timestamp),
            forced: r.headers[REPLAY_HEADERS.forced]?.toString('utf8') === 'true',
          });
          replays.set(id, list);
        }
      },
    }),
  ]);
  for (const list of replays.values()) list.sort((a, b) => a.at - b.at);
  return groupDeadLetters(letters, replays);
}

const position = (r: IncomingRecord): Failure['dlq'] => ({ partition: r.partition, offset: r.offset });
