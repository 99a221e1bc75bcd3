/**
 * Reads a topic (or some of its partitions) from the beginning to its end as it is when the read
 * starts, then stops: the restore of a processor's state from its changelog, the demo, and tests use
 * it. It runs a throw-away consumer group, deleted afterwards, and sees committed records only.
 */
import { randomUUID } from 'node:crypto';
import { TradewatchError } from '../../core/errors.ts';
import type { IncomingRecord, KafkaAdmin, KafkaClient } from '../../core/kafka-port.ts';

export interface ReadToEndOptions {
  readonly topic: string;
  /** Only these partitions. Default: all. */
  readonly partitions?: readonly number[];
  /**
   * Start at these offsets (per partition) instead of the first stored one, e.g. from
   * {@link KafkaAdmin.offsetsAt} to read only the last hour. Default: the start of each partition.
   */
  readonly from?: readonly { readonly partition: number; readonly offset: string }[];
  /** Prefix of the throw-away group id. Default `tradewatch-read`. */
  readonly groupPrefix?: string;
  /** Called with each batch of records of the selected partitions, in offset order per partition. */
  readonly onRecords: (records: readonly IncomingRecord[]) => void | Promise<void>;
  /** Gives up with TW_TIMEOUT after this long. Default 60000 ms. */
  readonly timeoutMs?: number;
  /** Stops early (without error) when aborted. */
  readonly signal?: AbortSignal;
}

export async function readToEnd(
  client: KafkaClient,
  admin: KafkaAdmin,
  options: ReadToEndOptions,
): Promise<void> {
  const wanted = options.partitions ? new Set(options.partitions) : undefined;
  const offsets = (await admin.offsets(options.topic)).filter((p) => !wanted || wanted.has(p.partition));
  const end = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  const from = new Map((options.from ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  const start = new Map(offsets.map((p) => [p.partition, max(BigInt(p.low), from.get(p.partition))]));
  const position = new Map(start);
  const done = () => [...end].every(([p, e]) => (position.get(p) ?? 0n) >= e);
  if (done()) return;

  const groupId = `${options.groupPrefix ?? 'tradewatch-read'}-${randomUUID()}`;
  const consumer = await client.consumer({
    groupId,
    topics: [options.topic],
    fromBeginning: true,
    ...(options.from === undefined
      ? {}
      : {
          startAt: [...start].map(([partition, offset]) => ({
            topic: options.topic,
            partition,
            offset: offset.toString(),
          })),
        }),
  });
  const finished = Promise.withResolvers<void>();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(
    () =>
      finished.reject(
        new TradewatchError(
          'TW_TIMEOUT',
          `reading ${options.topic} to its end took longer than ${timeoutMs} ms ` +
            `(at ${[...position].map(([p, o]) => `${p}:${o}/${end.get(p)}`).join(', ')})`,
        ),
      ),
    timeoutMs,
  );
  const onAbort = () => finished.resolve();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await consumer.run(
      async (records, batch) => {
        if (wanted && !wanted.has(batch.partition)) return;
        const bound = end.get(batch.partition) ?? 0n;
        const first = start.get(batch.partition) ?? 0n;
        const within = records.filter((r) => BigInt(r.offset) < bound && BigInt(r.offset) >= first);
        if (within.length > 0) await options.onRecords(within);
      },
      {
        onPosition: (event) => {
          if (!end.has(event.partition)) return;
          position.set(event.partition, BigInt(event.nextOffset));
          if (done()) finished.resolve();
        },
        onFatal: (error) => finished.reject(error),
      },
    );
    await finished.promise;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.close();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

const max = (a: bigint, b: bigint | undefined): bigint => (b !== undefined && b > a ? b : a);
