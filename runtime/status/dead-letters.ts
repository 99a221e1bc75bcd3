/**
 * How many records went to `dlq` and `late` within a window (the last hour), by source topic and error
 * code, from the side outputs' headers (their values are never decoded). The read starts at the offsets
 * of the window's start (offsets by timestamp) and ends at the end as it is now; at most `maxRecords`
 * per topic, the newest, are read (`truncated` says so).
 */
import { DEAD_LETTER_HEADERS } from '../../topics/index.ts';
import type { KafkaAdmin, KafkaClient } from '../kafka/index.ts';
import { readToEnd } from '../kafka/index.ts';
import type { DeadLetterStatus, SideOutputCount } from './types.ts';

export interface DeadLetterCountOptions {
  /** Physical names of the `dlq` and `late` topics. */
  readonly topics: { readonly dlq: string; readonly late: string };
  /** Start of the window (epoch ms). */
  readonly since: number;
  /** At most this many records are read per topic (the newest). */
  readonly maxRecords: number;
}

export async function deadLetterCounts(
  kafka: KafkaClient,
  admin: KafkaAdmin,
  options: DeadLetterCountOptions,
): Promise<DeadLetterStatus> {
  const existing = new Set(await admin.listTopics());
  let truncated = false;
  const counts: SideOutputCount[] = [];
  await Promise.all(
    (['dlq', 'late'] as const).map(async (which) => {
      const topic = options.topics[which];
      if (!existing.has(topic)) return;
      const [from, ends] = await Promise.all([admin.offsetsAt(topic, options.since), admin.offsets(topic)]);
      const bounded = boundRead(from, ends, options.maxRecords);
      truncated ||= bounded.truncated;
      const byKey = new Map<string, SideOutputCount>();
      await readToEnd(kafka, admin, {
        topic,
        from: bounded.from,
        groupPrefix: `tradewatch-status-${which}`,
        onRecords: (records) => {
          for (const r of records) {
            if (r.timestamp < options.since) continue;
            const source = r.headers[DEAD_LETTER_HEADERS.sourceTopic]?.toString('utf8') || '(unknown)';
            const code = r.headers[DEAD_LETTER_HEADERS.errorCode]?.toString('utf8') || '(none)';
            const key = `${source}\u0000${code}`;
            const seen = byKey.get(key);
            byKey.set(key, { topic: which, source, code, count: (seen?.count ?? 0) + 1 });
          }
        },
      });
      counts.push(...byKey.values());
    }),
  );
  counts.sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) ||
      b.count - a.count ||
      a.source.localeCompare(b.source) ||
      a.code.localeCompare(b.code),
  );
  return { since: options.since, counts, truncated };
}

/**
 * Where to start so that at most `maxRecords` offsets are read over all partitions: the window's start,
 * or, where the window holds more, the newest records of each partition in proportion to its share.
 */
export function boundRead(
  from: readonly { partition: number; offset: string }[],
  ends: readonly { partition: number; high: string }[],
  maxRecords: number,
): { from: { partition: number; offset: string }[]; truncated: boolean } {
  const high = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const spans = from.map((f) => {
    const end = high.get(f.partition) ?? BigInt(f.offset);
    return {
      partition: f.partition,
      start: BigInt(f.offset),
      end,
      span: end > BigInt(f.offset) ? end - BigInt(f.offset) : 0n,
    };
  });
  const total = spans.reduce((n, s) => n + s.span, 0n);
  if (total <= BigInt(maxRecords)) {
    return { from: from.map((f) => ({ partition: f.partition, offset: f.offset })), truncated: false };
  }
  return {
    from: spans.map((s) => {
      const share = (s.span * BigInt(maxRecords)) / total;
      return { partition: s.partition, offset: (s.end - share).toString() };
    }),
    truncated: true,
  };
}
