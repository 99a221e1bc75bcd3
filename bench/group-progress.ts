/**
 * How far a consumer group has committed on a topic, against the topic's end offsets: the pipeline's
 * progress as Kafka records it (a processor commits its input offsets in the transaction of each batch,
 * so a committed offset means the batch's outputs, state and QuestDB rows are all done).
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';

export interface GroupProgress {
  /** Records committed past the start of the topic, summed over partitions. */
  readonly committed: number;
  /** Records in the topic (end − start), summed over partitions. */
  readonly total: number;
  /** Every partition's committed offset is at its end offset. */
  readonly caughtUp: boolean;
}

export async function groupProgress(
  admin: KafkaAdmin,
  groupId: string,
  topic: string,
  ends: readonly { partition: number; low: string; high: string }[],
): Promise<GroupProgress> {
  const committed = new Map(
    (await admin.groupOffsets(groupId, [topic]))
      .filter((o) => o.topic === topic)
      .map((o) => [o.partition, BigInt(o.offset)]),
  );
  let done = 0n;
  let total = 0n;
  let caughtUp = true;
  for (const p of ends) {
    const low = BigInt(p.low);
    const high = BigInt(p.high);
    const at = committed.get(p.partition) ?? -1n;
    total += high - low;
    if (at > low) done += (at > high ? high : at) - low;
    // An empty partition has nothing to commit.
    if (at < high && high > low) caughtUp = false;
  }
  return { committed: Number(done), total: Number(total), caughtUp };
}
